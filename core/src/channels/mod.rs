//! Broadcast channel management (iOS 18): create, read, list and delete the channels of the
//! app named by the `topic` key, on Apple's management hosts (`channel_host`/`channel_port`,
//! derived from `environment`), as Apple's "Sending channel management requests to APNs"
//! describes. One blocking client over one HTTP/2 connection: see [`Channels`].

mod client;
pub(crate) mod wire;

pub use client::Channels;

use crate::error::{Error, ErrorKind, Result};

/// Apple's limit on channels per app and environment.
pub const MAX_CHANNELS: usize = 10_000;

/// What APNs keeps of a channel's messages for devices that were offline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageStoragePolicy {
    /// 0: nothing is stored.
    NoMessageStored,
    /// 1: the most recent message is stored.
    MostRecentMessageStored,
}

impl MessageStoragePolicy {
    /// Apple's number for the policy (0 or 1).
    pub fn code(self) -> u8 {
        match self {
            MessageStoragePolicy::NoMessageStored => 0,
            MessageStoragePolicy::MostRecentMessageStored => 1,
        }
    }

    /// The policy for Apple's number; `InvalidArgument` for anything but 0 and 1.
    pub fn from_code(code: i64) -> Result<MessageStoragePolicy> {
        match code {
            0 => Ok(MessageStoragePolicy::NoMessageStored),
            1 => Ok(MessageStoragePolicy::MostRecentMessageStored),
            _ => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("message storage policy {code} is not valid; expected 0 or 1"),
            )),
        }
    }
}

/// One channel as APNs describes it (`GET /1/apps/<bundle>/channels`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelInfo {
    /// The channel id (base64 text), as APNs returned it.
    pub channel_id: String,
    pub message_storage_policy: MessageStoragePolicy,
    /// Apple's push type of the channel: "LiveActivity".
    pub push_type: String,
}

impl ChannelInfo {
    /// `{"channel-id": ..., "message-storage-policy": 0|1, "push-type": ...}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "channel-id": self.channel_id,
            "message-storage-policy": self.message_storage_policy.code(),
            "push-type": self.push_type,
        })
        .to_string()
    }
}

/// The bundle id of `topic`: the topic without the suffix a push type adds.
pub(crate) fn bundle_of(topic: &str) -> &str {
    crate::notification::PUSH_TYPES
        .iter()
        .filter_map(|t| crate::push_type::topic_suffix(t))
        .find_map(|suffix| topic.strip_suffix(suffix))
        .unwrap_or(topic)
}

/// A channel id as a caller gave it: non-empty base64 text (standard or URL-safe alphabet,
/// padding allowed) of at most 256 bytes. `InvalidArgument` otherwise.
pub(crate) fn check_channel_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 256
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        let shown: String = id.chars().take(40).collect();
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("channel id {shown:?} is not base64 text of 1 to 256 bytes"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_id_drops_push_type_suffixes() {
        assert_eq!(bundle_of("com.example.app"), "com.example.app");
        assert_eq!(
            bundle_of("com.example.app.push-type.liveactivity"),
            "com.example.app"
        );
        assert_eq!(bundle_of("com.example.app.voip"), "com.example.app");
    }

    #[test]
    fn channel_ids_are_base64_text() {
        assert!(check_channel_id("dHdvIGNoYW5uZWxz+/A=").is_ok());
        for bad in ["", "has space", "x\n", &"A".repeat(257)] {
            let e = check_channel_id(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        }
    }

    #[test]
    fn policies_round_trip_and_refuse_other_numbers() {
        for p in [
            MessageStoragePolicy::NoMessageStored,
            MessageStoragePolicy::MostRecentMessageStored,
        ] {
            assert_eq!(MessageStoragePolicy::from_code(p.code().into()), Ok(p));
        }
        let e = MessageStoragePolicy::from_code(2).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }
}
