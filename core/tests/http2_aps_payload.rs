//! A notification built from every `aps` field reaches the server as exactly this JSON.

mod common;

use apnspush::mock::MockOptions;
use apnspush::Notification;
use common::*;

#[test]
fn every_aps_field_is_sent_with_apples_key_names() {
    let m = mock(MockOptions {
        record_payloads: true,
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[]);
    let n = Notification::builder()
        .token_bytes(&token(1))
        .alert_title("T")
        .alert_subtitle("S")
        .alert_body("B")
        .alert_launch_image("launch.png")
        .alert_title_loc_key("TK")
        .alert_title_loc_args(&["t1", "t2"])
        .alert_subtitle_loc_key("SK")
        .alert_subtitle_loc_args(&["s1"])
        .alert_loc_key("LK")
        .alert_loc_args(&["l1", "l2", "l3"])
        .sound_critical("siren.caf", 0.75)
        .target_content_id("window-1")
        .interruption_level("time-sensitive")
        .relevance_score(0.5)
        .filter_criteria("work")
        .url_args(&["boarding", "A12"])
        .build()
        .unwrap();
    assert_eq!(n.push_type(), Some("alert"));
    assert!(p.ensure_push(n, WAIT).unwrap().is_accepted());
    let accepted = m.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].token, token(1));
    let want = concat!(
        r#"{"aps":{"alert":{"body":"B","launch-image":"launch.png","loc-args":["l1","l2","l3"],"#,
        r#""loc-key":"LK","subtitle":"S","subtitle-loc-args":["s1"],"subtitle-loc-key":"SK","#,
        r#""title":"T","title-loc-args":["t1","t2"],"title-loc-key":"TK"},"#,
        r#""filter-criteria":"work","interruption-level":"time-sensitive","relevance-score":0.5,"#,
        r#""sound":{"critical":1,"name":"siren.caf","volume":0.75},"#,
        r#""target-content-id":"window-1","url-args":["boarding","A12"]}}"#
    );
    assert_eq!(std::str::from_utf8(&accepted[0].payload).unwrap(), want);
}
