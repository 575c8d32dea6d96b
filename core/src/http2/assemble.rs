//! Joining HEADERS + CONTINUATION frames into complete header blocks (RFC 9113 §6.10).

use super::frame::{error_code, Frame, FrameError};

/// A complete header block: a HEADERS fragment joined with its CONTINUATIONs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderBlock {
    pub stream_id: u32,
    pub block: Vec<u8>,
    pub end_stream: bool,
}

/// What [`HeaderAssembler::push`] made of a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assembled {
    /// A frame unrelated to header blocks, passed through unchanged.
    Frame(Frame),
    /// A header block is complete.
    Block(HeaderBlock),
    /// A header block is in progress; only CONTINUATIONs of its stream may follow.
    Pending,
}

/// Default cap on an assembled header block, a guard against unbounded CONTINUATIONs.
pub const DEFAULT_MAX_HEADER_BLOCK: usize = 256 * 1024;

/// Joins HEADERS + CONTINUATION sequences (RFC 9113 §6.10). Feed it every decoded frame in
/// order. Errors are connection errors; the assembler is not meant to be used after one.
#[derive(Debug)]
pub struct HeaderAssembler {
    pending: Option<HeaderBlock>,
    max_block: usize,
}

impl Default for HeaderAssembler {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_HEADER_BLOCK)
    }
}

impl HeaderAssembler {
    /// `max_block` bounds the joined block; a larger one is ENHANCE_YOUR_CALM.
    pub fn new(max_block: usize) -> Self {
        HeaderAssembler {
            pending: None,
            max_block,
        }
    }

    /// True while a header block awaits its END_HEADERS.
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Takes the next decoded frame. Header frames are absorbed; others pass through, except
    /// while a block is pending, when anything but its CONTINUATION is a PROTOCOL_ERROR.
    pub fn push(&mut self, frame: Frame) -> Result<Assembled, FrameError> {
        let Some(mut open) = self.pending.take() else {
            return self.push_idle(frame);
        };
        match frame {
            Frame::Continuation {
                stream_id,
                block,
                end_headers,
            } if stream_id == open.stream_id => {
                open.block.extend_from_slice(&block);
                self.absorb(open, end_headers)
            }
            Frame::Continuation { .. } => {
                Err(FrameError::protocol("CONTINUATION for a different stream"))
            }
            _ => Err(FrameError::protocol(
                "frame interleaved inside a header block",
            )),
        }
    }

    fn push_idle(&mut self, frame: Frame) -> Result<Assembled, FrameError> {
        match frame {
            Frame::Headers {
                stream_id,
                block,
                end_stream,
                end_headers,
            } => {
                let block = HeaderBlock {
                    stream_id,
                    block,
                    end_stream,
                };
                self.absorb(block, end_headers)
            }
            Frame::Continuation { .. } => Err(FrameError::protocol(
                "CONTINUATION without a preceding HEADERS",
            )),
            other => Ok(Assembled::Frame(other)),
        }
    }

    fn absorb(&mut self, block: HeaderBlock, end_headers: bool) -> Result<Assembled, FrameError> {
        if block.block.len() > self.max_block {
            return Err(FrameError::new(
                error_code::ENHANCE_YOUR_CALM,
                "header block too large",
            ));
        }
        if end_headers {
            return Ok(Assembled::Block(block));
        }
        self.pending = Some(block);
        Ok(Assembled::Pending)
    }
}
