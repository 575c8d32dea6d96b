//! `apns_notification_builder`: builds a notification from the common `aps` fields, custom
//! keys and options, validated at `_build`.
//!
//! Every setter: Ownership: strings are copied. Threads: one thread at a time per builder.
//! Blocking: never. Errors: APNS_ERR_NULL_PARAMETER for a NULL builder or string,
//! APNS_ERR_INVALID_ARGUMENT for a string that is not UTF-8; values are validated by
//! apns_notification_builder_build, which reports the first problem.

use crate::cast::{free_box, to_boxed_ptr, try_cstr, user_data_to_u64, Castable, OwnershipBox};
use crate::notification::{apns_notification, deliver};
use crate::result::apns_result;
use apnspush::NotificationBuilder;
use std::ffi::{c_char, c_void};

/// A notification under construction. Owned by the caller; reusable after a build.
pub struct apns_notification_builder {
    _private: [u8; 0],
}

impl Castable for apns_notification_builder {
    type Ownership = OwnershipBox;
    type RustType = NotificationBuilder;
}

/// `count` C strings as `&str`s: NULL `args` only with `count` 0; a NULL element is
/// APNS_ERR_NULL_PARAMETER, a non-UTF-8 one APNS_ERR_INVALID_ARGUMENT.
fn strs<'a>(args: *const *const c_char, count: usize) -> Result<Vec<&'a str>, apns_result> {
    let ptrs: &[*const c_char] = match (args.is_null(), count) {
        (true, 0) => &[],
        (true, _) => return Err(apns_result::APNS_ERR_NULL_PARAMETER),
        // SAFETY: `args` holds at least `count` pointers (contract).
        (false, _) => unsafe { std::slice::from_raw_parts(args, count) },
    };
    ptrs.iter()
        .map(|&p| match try_cstr(p).map(|s| s.to_str()) {
            Some(Ok(s)) => Ok(s),
            Some(Err(_)) => Err(apns_result::APNS_ERR_INVALID_ARGUMENT),
            None => Err(apns_result::APNS_ERR_NULL_PARAMETER),
        })
        .collect()
}

/// A setter taking one string: NULL `b` or `text` gives APNS_ERR_NULL_PARAMETER, non-UTF-8
/// text APNS_ERR_INVALID_ARGUMENT.
fn set_text(
    b: *mut apns_notification_builder,
    text: *const c_char,
    set: impl FnOnce(NotificationBuilder, &str) -> NotificationBuilder,
) -> apns_result {
    let b = try_mut!(b);
    let text = try_str!(text);
    update(b, |x| set(x, text))
}

/// A setter taking `count` strings (see `strs` for the errors).
fn set_texts(
    b: *mut apns_notification_builder,
    args: *const *const c_char,
    count: usize,
    set: impl FnOnce(NotificationBuilder, &[&str]) -> NotificationBuilder,
) -> apns_result {
    let b = try_mut!(b);
    let args = match strs(args, count) {
        Ok(args) => args,
        Err(e) => return e,
    };
    update(b, |x| set(x, &args))
}

fn update(
    b: &mut NotificationBuilder,
    f: impl FnOnce(NotificationBuilder) -> NotificationBuilder,
) -> apns_result {
    *b = f(std::mem::take(b));
    apns_result::APNS_OK
}

/// Creates an empty builder (no token, empty `aps`, no expiry, priority and push type unset:
/// see apns_notification_builder_set_priority and apns_notification_builder_set_push_type).
/// Ownership: on APNS_OK `*out` is a new handle the caller owns (free it with
/// apns_notification_builder_destroy). Threads: any. Blocking: never.
/// Errors: APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_notification_builder_new(
    out: *mut *mut apns_notification_builder,
) -> apns_result {
    ffi_boundary! {
        let out = try_out!(out);
        out.write(to_boxed_ptr::<apns_notification_builder>(NotificationBuilder::default()));
        apns_result::APNS_OK
    }
}

/// The device token as hex (either case).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_token_hex(
    b: *mut apns_notification_builder,
    hex: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, hex, NotificationBuilder::token_hex) }
}

/// The device token as bytes; `token` may be NULL only with length 0.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_token(
    b: *mut apns_notification_builder,
    token: *const u8,
    token_len: usize,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);
        let token = try_slice!(token, token_len);
        update(b, |x| x.token_bytes(token))
    }
}

/// Sends the notification on a broadcast channel (iOS 18; Apple's base64 channel id) instead
/// of to a device token. Build fails with APNS_ERR_INVALID_ARGUMENT when a token was set as
/// well, when the id is not base64 text of at most 256 characters, or when the notification
/// is not a Live Activity (broadcasts carry push type `liveactivity`). HTTP/2 only: a binary
/// pusher refuses it at the push (APNS_ERR_INVALID_ARGUMENT).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_channel_id(
    b: *mut apns_notification_builder,
    channel_id: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, channel_id, NotificationBuilder::channel_id) }
}

/// The complete payload as a JSON object. Exclusive with the `aps` and custom setters (every
/// `_set_alert_*`, badge, sound, sound_critical, category, thread_id, content_available,
/// mutable_content, target_content_id, interruption_level, relevance_score, filter_criteria,
/// url_args, custom_json, and the Live Activity setters event, content_state_json,
/// timestamp, stale_date, dismissal_date, attributes_type, attributes_json):
/// `apns_notification_builder_build` fails with `APNS_ERR_INVALID_ARGUMENT` if both were used.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_payload_json(
    b: *mut apns_notification_builder,
    json: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, json, NotificationBuilder::payload_json) }
}

/// `aps.alert.title`.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_title(
    b: *mut apns_notification_builder,
    title: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, title, NotificationBuilder::alert_title) }
}

/// `aps.alert.body`.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_body(
    b: *mut apns_notification_builder,
    body: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, body, NotificationBuilder::alert_body) }
}

/// `aps.alert.subtitle`.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_subtitle(
    b: *mut apns_notification_builder,
    subtitle: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, subtitle, NotificationBuilder::alert_subtitle) }
}

/// `aps.alert.launch-image`: an image file in the app bundle.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_launch_image(
    b: *mut apns_notification_builder,
    image: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, image, NotificationBuilder::alert_launch_image) }
}

/// `aps.alert.title-loc-key`; build refuses an empty key (APNS_ERR_INVALID_ARGUMENT).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_title_loc_key(
    b: *mut apns_notification_builder,
    key: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, key, NotificationBuilder::alert_title_loc_key) }
}

/// `aps.alert.title-loc-args`; build refuses them without a title-loc-key.
/// `args` holds `count` strings (copied); it may be NULL only with `count` 0. Errors: also
/// APNS_ERR_NULL_PARAMETER for a NULL element, APNS_ERR_INVALID_ARGUMENT for a non-UTF-8 one.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_title_loc_args(
    b: *mut apns_notification_builder,
    args: *const *const c_char,
    count: usize,
) -> apns_result {
    ffi_boundary! { set_texts(b, args, count, |x, a| x.alert_title_loc_args(a)) }
}

/// `aps.alert.subtitle-loc-key`; build refuses an empty key (APNS_ERR_INVALID_ARGUMENT).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_subtitle_loc_key(
    b: *mut apns_notification_builder,
    key: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, key, NotificationBuilder::alert_subtitle_loc_key) }
}

/// `aps.alert.subtitle-loc-args`; build refuses them without a subtitle-loc-key.
/// `args` holds `count` strings (copied); it may be NULL only with `count` 0. Errors: also
/// APNS_ERR_NULL_PARAMETER for a NULL element, APNS_ERR_INVALID_ARGUMENT for a non-UTF-8 one.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_subtitle_loc_args(
    b: *mut apns_notification_builder,
    args: *const *const c_char,
    count: usize,
) -> apns_result {
    ffi_boundary! { set_texts(b, args, count, |x, a| x.alert_subtitle_loc_args(a)) }
}

/// `aps.alert.loc-key` (the localized body); build refuses an empty key.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_loc_key(
    b: *mut apns_notification_builder,
    key: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, key, NotificationBuilder::alert_loc_key) }
}

/// `aps.alert.loc-args`; build refuses them without a loc-key.
/// `args` holds `count` strings (copied); it may be NULL only with `count` 0. Errors: also
/// APNS_ERR_NULL_PARAMETER for a NULL element, APNS_ERR_INVALID_ARGUMENT for a non-UTF-8 one.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_alert_loc_args(
    b: *mut apns_notification_builder,
    args: *const *const c_char,
    count: usize,
) -> apns_result {
    ffi_boundary! { set_texts(b, args, count, |x, a| x.alert_loc_args(a)) }
}

/// `aps.badge`.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_badge(
    b: *mut apns_notification_builder,
    badge: u32,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);

        update(b, |x| x.badge(badge))
    }
}

/// `aps.sound`.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_sound(
    b: *mut apns_notification_builder,
    sound: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, sound, NotificationBuilder::sound) }
}

/// `aps.sound` as the critical-alert dictionary `{"critical":1,"name":name,"volume":volume}`.
/// This and apns_notification_builder_set_sound set the same key: the last call wins. Build
/// refuses an empty name or a volume outside 0.0-1.0 or NaN (APNS_ERR_INVALID_ARGUMENT).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_sound_critical(
    b: *mut apns_notification_builder,
    name: *const c_char,
    volume: f64,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);
        let name = try_str!(name);
        update(b, |x| x.sound_critical(name, volume))
    }
}

/// `aps.category`.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_category(
    b: *mut apns_notification_builder,
    category: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, category, NotificationBuilder::category) }
}

/// `aps.thread-id`.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_thread_id(
    b: *mut apns_notification_builder,
    thread_id: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, thread_id, NotificationBuilder::thread_id) }
}

/// `aps.content-available` = 1 when true; absent when false.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_content_available(
    b: *mut apns_notification_builder,
    on: bool,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);

        update(b, |x| x.content_available(on))
    }
}

/// `aps.mutable-content` = 1 when true; absent when false.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_mutable_content(
    b: *mut apns_notification_builder,
    on: bool,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);

        update(b, |x| x.mutable_content(on))
    }
}

/// `aps.target-content-id`: the identifier of the window brought forward.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_target_content_id(
    b: *mut apns_notification_builder,
    id: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, id, NotificationBuilder::target_content_id) }
}

/// `aps.interruption-level`: passive, active, time-sensitive or critical; build refuses
/// anything else (APNS_ERR_INVALID_ARGUMENT).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_interruption_level(
    b: *mut apns_notification_builder,
    level: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, level, NotificationBuilder::interruption_level) }
}

/// `aps.relevance-score`, from 0.0 to 1.0 (for a Live Activity any number from 0); build
/// refuses other values and NaN (APNS_ERR_INVALID_ARGUMENT).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_relevance_score(
    b: *mut apns_notification_builder,
    score: f64,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);

        update(b, |x| x.relevance_score(score))
    }
}

/// `aps.filter-criteria`: the Focus filter criteria the notification matches.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_filter_criteria(
    b: *mut apns_notification_builder,
    criteria: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, criteria, NotificationBuilder::filter_criteria) }
}

/// `aps.url-args` (Safari web push): the values filled into the website's URL format.
/// `args` holds `count` strings (copied); it may be NULL only with `count` 0. Errors: also
/// APNS_ERR_NULL_PARAMETER for a NULL element, APNS_ERR_INVALID_ARGUMENT for a non-UTF-8 one.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_url_args(
    b: *mut apns_notification_builder,
    args: *const *const c_char,
    count: usize,
) -> apns_result {
    ffi_boundary! { set_texts(b, args, count, |x, a| x.url_args(a)) }
}

/// A top-level custom key whose value is JSON text (`42`, `\"text\"`, `{...}`); `aps` is reserved.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_custom_json(
    b: *mut apns_notification_builder,
    key: *const c_char,
    value_json: *const c_char,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);
        let key = try_str!(key);
        let value_json = try_str!(value_json);
        update(b, |x| x.custom_json(key, value_json))
    }
}

/// `aps.event` of a Live Activity: start, update or end. Any Live Activity setter makes the
/// notification a Live Activity (push type `liveactivity`, its topic suffixed
/// `.push-type.liveactivity`), whose rules build checks (APNS_ERR_INVALID_ARGUMENT): a
/// timestamp always; a content-state to start or update; attributes-type and attributes to
/// start and only then; dismissal-date only to end.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_event(
    b: *mut apns_notification_builder,
    event: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, event, NotificationBuilder::event) }
}

/// `aps.content-state` of a Live Activity: a JSON object as text (build fails with
/// APNS_ERR_INVALID_JSON for invalid JSON, APNS_ERR_INVALID_ARGUMENT for another value).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_content_state_json(
    b: *mut apns_notification_builder,
    json: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, json, NotificationBuilder::content_state_json) }
}

/// `aps.timestamp` of a Live Activity: when its content was produced, in epoch seconds.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_timestamp(
    b: *mut apns_notification_builder,
    epoch_seconds: u64,
) -> apns_result {
    ffi_boundary! { update(try_mut!(b), |x| x.timestamp(epoch_seconds)) }
}

/// `aps.stale-date` of a Live Activity: when its content becomes out of date, epoch seconds.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_stale_date(
    b: *mut apns_notification_builder,
    epoch_seconds: u64,
) -> apns_result {
    ffi_boundary! { update(try_mut!(b), |x| x.stale_date(epoch_seconds)) }
}

/// `aps.dismissal-date` of a Live Activity end: when it leaves the Lock Screen, epoch seconds.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_dismissal_date(
    b: *mut apns_notification_builder,
    epoch_seconds: u64,
) -> apns_result {
    ffi_boundary! { update(try_mut!(b), |x| x.dismissal_date(epoch_seconds)) }
}

/// `aps.attributes-type` of a Live Activity start: the app's ActivityAttributes type name.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_attributes_type(
    b: *mut apns_notification_builder,
    name: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, name, NotificationBuilder::attributes_type) }
}

/// `aps.attributes` of a Live Activity start: a JSON object as text (errors as for
/// apns_notification_builder_set_content_state_json).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_attributes_json(
    b: *mut apns_notification_builder,
    json: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, json, NotificationBuilder::attributes_json) }
}

/// Expiry in epoch seconds; 0 means one attempt, not stored ("now or never"). Never set (the
/// default): HTTP/2 sends no `apns-expiration`, so APNs stores the notification and retries
/// delivery; the binary protocol writes now + 30 days, computed when the frame is encoded.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_expiry(
    b: *mut apns_notification_builder,
    epoch_seconds: u32,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);

        update(b, |x| x.expiry(epoch_seconds))
    }
}

/// 10 (immediate), 5 (power-conserving) or 1 (lowest, HTTP/2 only). Unset: 5 for the
/// `background` push type, else 10. Priority 10 with push type `background` (set or inferred)
/// makes build fail with APNS_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_priority(
    b: *mut apns_notification_builder,
    priority: u8,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);

        update(b, |x| x.priority(priority))
    }
}

/// HTTP/2 `apns-topic`, at most 255 bytes (overrides the `topic` configuration key, which is
/// otherwise sent with the suffix the push type requires: `.voip`, `.complication`,
/// `.pushkit.fileprovider`, `.push-type.liveactivity`, `.location-query`, `.voip-ptt`).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_topic(
    b: *mut apns_notification_builder,
    topic: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, topic, NotificationBuilder::topic) }
}

/// HTTP/2 `apns-push-type`: alert, background, location, voip, complication, fileprovider, mdm,
/// liveactivity, pushtotalk, widgets or controls. Unset, it is inferred: `alert` when `aps` has
/// alert, sound or badge; `background` when it has content-available = 1 and none of those;
/// otherwise no header is sent.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_push_type(
    b: *mut apns_notification_builder,
    push_type: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, push_type, NotificationBuilder::push_type) }
}

/// HTTP/2 `apns-collapse-id` (at most 64 bytes).
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_collapse_id(
    b: *mut apns_notification_builder,
    collapse_id: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, collapse_id, NotificationBuilder::collapse_id) }
}

/// HTTP/2 `apns-id`, a UUID (36 characters, 8-4-4-4-12 hex); generated at send time when absent.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_apns_id(
    b: *mut apns_notification_builder,
    apns_id: *const c_char,
) -> apns_result {
    ffi_boundary! { set_text(b, apns_id, NotificationBuilder::apns_id) }
}

/// The caller's pointer returned unchanged in the outcome; never dereferenced.
#[no_mangle]
pub extern "C" fn apns_notification_builder_set_user_data(
    b: *mut apns_notification_builder,
    user: *mut c_void,
) -> apns_result {
    ffi_boundary! {
        let b = try_mut!(b);
        let user = user_data_to_u64(user);
        update(b, |x| x.user_data(user))
    }
}

/// Validates the fields set so far and creates a notification; the builder is unchanged, so it
/// can build more (e.g. set another token and build again).
/// Ownership: on APNS_OK `*out` is a new handle the caller owns until a push call succeeds with
/// it; on error `*out` is untouched and the message is copied into `errbuf` (optional).
/// Threads: one thread at a time per builder. Blocking: never.
/// Errors: APNS_ERR_BAD_TOKEN (missing or malformed), APNS_ERR_INVALID_JSON,
/// APNS_ERR_PAYLOAD_TOO_LARGE, APNS_ERR_INVALID_ARGUMENT, APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_notification_builder_build(
    b: *const apns_notification_builder,
    out: *mut *mut apns_notification,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let b: &NotificationBuilder = try_ref!(b);
        deliver(b.clone().build(), out, errbuf, errlen)
    }
}

/// Frees a builder. NULL is a no-op. Notifications built from it are unaffected.
/// Threads: no other call may use `b` meanwhile. Blocking: never.
#[no_mangle]
pub extern "C" fn apns_notification_builder_destroy(b: *mut apns_notification_builder) {
    ffi_boundary! { free_box(b) }
}
