//! Byte layouts of the legacy binary provider protocol (see shared/design/PROTOCOL.md §1).
//! Encoders append to a caller-owned buffer; decoders never panic on any input.

/// Command bytes.
pub const CMD_SIMPLE: u8 = 0;
pub const CMD_ENHANCED: u8 = 1;
pub const CMD_FRAME: u8 = 2;
/// Command byte of a 6-byte error-response.
pub const CMD_ERROR: u8 = 8;
/// Length of an error-response.
pub const ERROR_RESPONSE_LEN: usize = 6;

/// Frame item ids (command 2).
pub const ITEM_TOKEN: u8 = 1;
pub const ITEM_PAYLOAD: u8 = 2;
pub const ITEM_IDENTIFIER: u8 = 3;
pub const ITEM_EXPIRY: u8 = 4;
pub const ITEM_PRIORITY: u8 = 5;

/// Error-response status codes.
pub mod status {
    pub const NO_ERRORS: u8 = 0;
    pub const PROCESSING_ERROR: u8 = 1;
    pub const MISSING_TOKEN: u8 = 2;
    pub const MISSING_TOPIC: u8 = 3;
    pub const MISSING_PAYLOAD: u8 = 4;
    pub const INVALID_TOKEN_SIZE: u8 = 5;
    pub const INVALID_TOPIC_SIZE: u8 = 6;
    pub const INVALID_PAYLOAD_SIZE: u8 = 7;
    pub const INVALID_TOKEN: u8 = 8;
    pub const SHUTDOWN: u8 = 10;
    pub const PROTOCOL_ERROR: u8 = 128;
    pub const UNKNOWN: u8 = 255;

    /// Apple's name for a status code.
    pub fn reason(status: u8) -> &'static str {
        match status {
            NO_ERRORS => "No errors encountered",
            PROCESSING_ERROR => "Processing error",
            MISSING_TOKEN => "Missing device token",
            MISSING_TOPIC => "Missing topic",
            MISSING_PAYLOAD => "Missing payload",
            INVALID_TOKEN_SIZE => "Invalid token size",
            INVALID_TOPIC_SIZE => "Invalid topic size",
            INVALID_PAYLOAD_SIZE => "Invalid payload size",
            INVALID_TOKEN => "Invalid token",
            SHUTDOWN => "Shutdown",
            PROTOCOL_ERROR => "Protocol error",
            _ => "None (unknown)",
        }
    }
}

/// Which request format the pusher writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Command 1: identifier, expiry, token, payload.
    Enhanced,
    /// Command 2: a frame of items, adds priority and longer tokens.
    Frame,
}

/// How long APNs keeps a notification whose expiry is unset, in seconds: the binary format
/// has no "absent" expiry (0 means one attempt, not stored), so unset is written as the
/// encoding time plus 30 days.
pub const UNSET_EXPIRY_SECS: u32 = 30 * 24 * 3600;

/// The expiry field written for a notification's `expiry` at `now_epoch` seconds: as set, or
/// `now_epoch + UNSET_EXPIRY_SECS` when unset (saturating at `u32::MAX`).
pub fn expiry_on_wire(expiry: Option<u32>, now_epoch: u64) -> u32 {
    expiry.unwrap_or_else(|| {
        u32::try_from(now_epoch.saturating_add(u64::from(UNSET_EXPIRY_SECS))).unwrap_or(u32::MAX)
    })
}

/// Appends a command 1 (enhanced) notification: 45 + payload bytes with a 32-byte token.
pub fn encode_enhanced(
    buf: &mut Vec<u8>,
    identifier: u32,
    expiry: u32,
    token: &[u8],
    payload: &[u8],
) {
    buf.reserve(11 + token.len() + payload.len());
    buf.push(CMD_ENHANCED);
    buf.extend_from_slice(&identifier.to_be_bytes());
    buf.extend_from_slice(&expiry.to_be_bytes());
    buf.extend_from_slice(&(token.len() as u16).to_be_bytes());
    buf.extend_from_slice(token);
    buf.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    buf.extend_from_slice(payload);
}

/// Appends a command 2 (frame) notification with all five items: 61 + payload bytes with a
/// 32-byte token.
pub fn encode_frame(
    buf: &mut Vec<u8>,
    identifier: u32,
    expiry: u32,
    priority: u8,
    token: &[u8],
    payload: &[u8],
) {
    let items_len = 3 * 5 + token.len() + payload.len() + 4 + 4 + 1;
    buf.reserve(5 + items_len);
    buf.push(CMD_FRAME);
    buf.extend_from_slice(&(items_len as u32).to_be_bytes());
    push_item(buf, ITEM_TOKEN, token);
    push_item(buf, ITEM_PAYLOAD, payload);
    push_item(buf, ITEM_IDENTIFIER, &identifier.to_be_bytes());
    push_item(buf, ITEM_EXPIRY, &expiry.to_be_bytes());
    push_item(buf, ITEM_PRIORITY, &[priority]);
}

fn push_item(buf: &mut Vec<u8>, id: u8, data: &[u8]) {
    buf.push(id);
    buf.extend_from_slice(&(data.len() as u16).to_be_bytes());
    buf.extend_from_slice(data);
}

/// A 6-byte error-response: `08 | status | identifier`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorResponse {
    pub status: u8,
    pub identifier: u32,
}

impl ErrorResponse {
    pub fn encode(&self) -> [u8; ERROR_RESPONSE_LEN] {
        let id = self.identifier.to_be_bytes();
        [CMD_ERROR, self.status, id[0], id[1], id[2], id[3]]
    }

    /// Decodes one error-response; `None` unless `bytes` is exactly 6 bytes starting with 8.
    pub fn decode(bytes: &[u8]) -> Option<ErrorResponse> {
        match bytes {
            [CMD_ERROR, status, a, b, c, d] => Some(ErrorResponse {
                status: *status,
                identifier: u32::from_be_bytes([*a, *b, *c, *d]),
            }),
            _ => None,
        }
    }
}

/// One feedback-service tuple: when the token stopped being valid, and the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedbackTuple {
    pub timestamp: u32,
    pub token: Vec<u8>,
}

impl FeedbackTuple {
    /// Appends `time u32 | tokenLen u16 | token` (38 bytes with a 32-byte token).
    pub fn encode(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.timestamp.to_be_bytes());
        buf.extend_from_slice(&(self.token.len() as u16).to_be_bytes());
        buf.extend_from_slice(&self.token);
    }
}

/// Parses a complete feedback stream into tuples; `Err` names the offset of a truncated tuple.
pub fn decode_feedback(mut bytes: &[u8]) -> Result<Vec<FeedbackTuple>, usize> {
    let total = bytes.len();
    let mut out = Vec::with_capacity(total / 38);
    while !bytes.is_empty() {
        let offset = total - bytes.len();
        if bytes.len() < 6 {
            return Err(offset);
        }
        let timestamp = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let len = u16::from_be_bytes([bytes[4], bytes[5]]) as usize;
        let token = bytes.get(6..6 + len).ok_or(offset)?;
        out.push(FeedbackTuple {
            timestamp,
            token: token.to_vec(),
        });
        bytes = &bytes[6 + len..];
    }
    Ok(out)
}

/// A provider request as the server sees it (used by the mock gateway).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub command: u8,
    /// 0 for command 0, which carries none.
    pub identifier: u32,
    pub expiry: u32,
    /// 10 when the request does not carry a priority.
    pub priority: u8,
    /// Empty when the request carried no token (status 2).
    pub token: Vec<u8>,
    pub payload: Vec<u8>,
}

/// Why a request could not be parsed; the server answers with this status and closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub status: u8,
    /// Identifier if the bytes got far enough to carry one.
    pub identifier: u32,
}

/// Decodes one request from the front of `bytes`. `Ok(None)` means "need more bytes";
/// `Ok(Some((request, consumed)))` a complete request; `Err` an unparseable one.
pub fn decode_request(bytes: &[u8]) -> Result<Option<(Request, usize)>, DecodeError> {
    let Some(&command) = bytes.first() else {
        return Ok(None);
    };
    match command {
        CMD_SIMPLE => decode_simple(bytes),
        CMD_ENHANCED => decode_enhanced(bytes),
        CMD_FRAME => decode_frame(bytes),
        _ => Err(DecodeError {
            status: status::PROCESSING_ERROR,
            identifier: 0,
        }),
    }
}

fn be16(b: &[u8], at: usize) -> usize {
    u16::from_be_bytes([b[at], b[at + 1]]) as usize
}
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn decode_simple(b: &[u8]) -> Result<Option<(Request, usize)>, DecodeError> {
    if b.len() < 3 {
        return Ok(None);
    }
    let tlen = be16(b, 1);
    if b.len() < 3 + tlen + 2 {
        return Ok(None);
    }
    let plen = be16(b, 3 + tlen);
    let end = 5 + tlen + plen;
    if b.len() < end {
        return Ok(None);
    }
    let req = Request {
        command: CMD_SIMPLE,
        identifier: 0,
        expiry: 0,
        priority: 10,
        token: b[3..3 + tlen].to_vec(),
        payload: b[5 + tlen..end].to_vec(),
    };
    Ok(Some((req, end)))
}

fn decode_enhanced(b: &[u8]) -> Result<Option<(Request, usize)>, DecodeError> {
    if b.len() < 11 {
        return Ok(None);
    }
    let tlen = be16(b, 9);
    if b.len() < 11 + tlen + 2 {
        return Ok(None);
    }
    let plen = be16(b, 11 + tlen);
    let end = 13 + tlen + plen;
    if b.len() < end {
        return Ok(None);
    }
    let req = Request {
        command: CMD_ENHANCED,
        identifier: be32(b, 1),
        expiry: be32(b, 5),
        priority: 10,
        token: b[11..11 + tlen].to_vec(),
        payload: b[13 + tlen..end].to_vec(),
    };
    Ok(Some((req, end)))
}

/// Largest frame a server accepts: five items with a 100-byte token and a 2048-byte payload.
const FRAME_MAX: usize = 15 + 100 + 2048 + 4 + 4 + 1;

fn decode_frame(b: &[u8]) -> Result<Option<(Request, usize)>, DecodeError> {
    if b.len() < 5 {
        return Ok(None);
    }
    let flen = be32(b, 1) as usize;
    if flen > FRAME_MAX {
        return Err(DecodeError {
            status: status::INVALID_PAYLOAD_SIZE,
            identifier: 0,
        });
    }
    if b.len() < 5 + flen {
        return Ok(None);
    }
    let mut req = Request {
        command: CMD_FRAME,
        identifier: 0,
        expiry: 0,
        priority: 10,
        token: vec![],
        payload: vec![],
    };
    let mut items = &b[5..5 + flen];
    let protocol_error = |id| DecodeError {
        status: status::PROCESSING_ERROR,
        identifier: id,
    };
    while !items.is_empty() {
        if items.len() < 3 {
            return Err(protocol_error(req.identifier));
        }
        let (id, len) = (items[0], be16(items, 1));
        let data = items
            .get(3..3 + len)
            .ok_or(protocol_error(req.identifier))?;
        match (id, len) {
            (ITEM_TOKEN, _) => req.token = data.to_vec(),
            (ITEM_PAYLOAD, _) => req.payload = data.to_vec(),
            (ITEM_IDENTIFIER, 4) => req.identifier = be32(data, 0),
            (ITEM_EXPIRY, 4) => req.expiry = be32(data, 0),
            (ITEM_PRIORITY, 1) => req.priority = data[0],
            _ => return Err(protocol_error(req.identifier)),
        }
        items = &items[3 + len..];
    }
    Ok(Some((req, 5 + flen)))
}
