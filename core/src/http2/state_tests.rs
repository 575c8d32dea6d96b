//! Unit and property tests of the send-side connection state: windows, concurrency, stream
//! table, and arbitrary server events applied to it.

use super::*;
use crate::http2::session::{ClientSession, Event};
use crate::notification::Notification;
use proptest::prelude::*;

fn job(id: u64, payload_len: usize) -> Job {
    let payload = format!(
        "{{\"k\":\"{}\"}}",
        "x".repeat(payload_len.saturating_sub(8))
    );
    Job {
        id,
        notification: Notification::builder()
            .token_bytes(&[7; 32])
            .payload_json(&payload)
            .build()
            .unwrap(),
        attempts: 1,
        pushed_at: Instant::now(),
    }
}

fn stream(job: Job, sent: usize) -> Stream {
    Stream {
        job,
        written_at: Instant::now(),
        token_generation: 0,
        sent,
        window: 0,
    }
}

/// Opens `n` streams of `len` bytes the way the writer does; returns their ids.
fn open(st: &mut ConnState, next: &mut u32, n: usize, len: usize) -> Vec<u32> {
    let room = st.room(usize::MAX);
    let plan = st.plan(std::iter::repeat_n(len, n), room);
    let mut ids = Vec::new();
    for i in 0..plan.count() {
        let sent = if i < plan.full {
            len
        } else {
            plan.partial.unwrap()
        };
        assert!(st
            .insert(*next, stream(job(u64::from(*next), len), sent))
            .is_ok());
        ids.push(*next);
        *next += 2;
    }
    ids
}

#[test]
fn one_stream_until_the_first_answer_then_the_peer_limit() {
    let mut st = ConnState::new(Instant::now());
    st.apply_settings(&[(setting::MAX_CONCURRENT_STREAMS, 3)])
        .unwrap();
    let mut next = 1;
    assert_eq!(open(&mut st, &mut next, 10, 100), [1]);
    assert_eq!(st.room(100), 0);
    st.take(1).unwrap();
    st.mark_answered();
    assert_eq!(open(&mut st, &mut next, 10, 100), [3, 5, 7]);
    st.apply_settings(&[(setting::MAX_CONCURRENT_STREAMS, 1)])
        .unwrap();
    st.take(3).unwrap();
    assert_eq!(st.room(100), 0, "2 still open, limit 1");
    st.take(5).unwrap();
    st.take(7).unwrap();
    assert_eq!(st.room(100), 1);
}

#[test]
fn connection_window_splits_a_body_and_window_updates_resume_it() {
    let mut st = ConnState::new(Instant::now());
    st.mark_answered();
    let mut next = 1;
    // 65,535 bytes of connection window: 16 bodies of 4,000, then 1,535 of the 17th.
    let ids = open(&mut st, &mut next, 20, 4_000);
    assert_eq!(ids.len(), 17);
    assert_eq!(st.room(100), 0, "a blocked body stops new streams");
    let mut sent = Vec::new();
    st.pump(|id, chunk, last| sent.push((id, chunk.len(), last)));
    assert!(sent.is_empty(), "no window left");
    st.window_update(0, 10_000).unwrap();
    st.pump(|id, chunk, last| sent.push((id, chunk.len(), last)));
    assert_eq!(sent, [(33, 2_465, true)]);
    assert!(st.room(100) > 0);
}

#[test]
fn stream_window_settings_change_applies_to_open_streams() {
    let mut st = ConnState::new(Instant::now());
    st.mark_answered();
    st.apply_settings(&[(setting::INITIAL_WINDOW_SIZE, 1_000)])
        .unwrap();
    let mut next = 1;
    let ids = open(&mut st, &mut next, 1, 3_000);
    assert_eq!(ids, [1]);
    let mut sent = Vec::new();
    st.pump(|id, chunk, last| sent.push((id, chunk.len(), last)));
    assert!(sent.is_empty());
    st.window_update(1, 1_500).unwrap();
    st.pump(|id, chunk, last| sent.push((id, chunk.len(), last)));
    assert_eq!(sent, [(1, 1_500, false)]);
    st.apply_settings(&[(setting::INITIAL_WINDOW_SIZE, 2_000)])
        .unwrap();
    st.pump(|id, chunk, last| sent.push((id, chunk.len(), last)));
    assert_eq!(sent[1], (1, 500, true));
    assert!(
        st.window_update(0, 0x7fff_ffff).is_err(),
        "overflow is a flow-control error"
    );
}

#[test]
fn goaway_returns_the_streams_above_last_and_refuses_later_ones() {
    let mut st = ConnState::new(Instant::now());
    st.mark_answered();
    let mut next = 1;
    open(&mut st, &mut next, 5, 10);
    let above = st.goaway(5);
    let ids: Vec<u64> = above.iter().map(|s| s.job.id).collect();
    assert_eq!(ids, [7, 9]);
    assert_eq!(st.open(), 3);
    assert!(st.draining());
    assert!(st.insert(11, stream(job(11, 10), 10)).is_err());
    let in_flight = st.close_and_take();
    assert_eq!(in_flight.len(), 3);
}

#[test]
fn timed_out_takes_the_oldest_only() {
    let t0 = Instant::now();
    let mut st = ConnState::new(t0);
    st.mark_answered();
    let mut next = 1;
    open(&mut st, &mut next, 3, 10);
    let later = t0 + Duration::from_secs(5);
    assert!(st.timed_out(later, Duration::from_secs(60)).is_empty());
    let gone = st.timed_out(later + Duration::from_secs(60), Duration::from_secs(60));
    assert_eq!(
        gone.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [1, 3, 5]
    );
    assert_eq!(st.open(), 0);
}

/// Arbitrary server behaviour applied to a state with streams open: no panic, and the
/// stream table stays consistent with the open count.
fn server_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (0u32..40, 100u16..600).prop_map(|(s, status)| Event::Response(Response {
            stream_id: s,
            status,
            apns_id: None,
            body: Vec::new(),
        })),
        (0u32..40, any::<u32>()).prop_map(|(s, c)| Event::Reset {
            stream_id: s,
            error_code: c
        }),
        prop::collection::vec((0u16..8, any::<u32>()), 0..4).prop_map(Event::Settings),
        (0u32..40, 1u32..0x7fff_ffff).prop_map(|(s, i)| Event::WindowUpdate {
            stream_id: s,
            increment: i
        }),
        (0u32..40).prop_map(|l| Event::GoAway {
            last_stream_id: l,
            error_code: 0,
            debug_data: Vec::new()
        }),
        any::<[u8; 8]>().prop_map(Event::PingAck),
        Just(Event::SettingsAck),
    ]
}

proptest! {
    #[test]
    fn arbitrary_events_keep_the_table_consistent(
        events in prop::collection::vec(server_event(), 0..40),
        lens in prop::collection::vec(1usize..4_000, 1..20),
    ) {
        let mut st = ConnState::new(Instant::now());
        st.mark_answered();
        let mut next = 1;
        let mut opened = 0;
        for len in &lens {
            opened += open(&mut st, &mut next, 1, (*len).max(10)).len();
        }
        let mut events = events;
        let (mut answers, mut unprocessed, mut goaways) = (Vec::new(), Vec::new(), Vec::new());
        let ok = st.apply_events(&mut events, &mut answers, &mut unprocessed, &mut goaways);
        st.pump(|_, _, _| {});
        let in_flight = st.close_and_take();
        if ok.is_ok() {
            prop_assert_eq!(answers.len() + unprocessed.len() + in_flight.len(), opened);
        }
    }

    #[test]
    fn session_events_from_arbitrary_frames_apply_without_panic(
        frames in prop::collection::vec((0u8..10, any::<u8>(), 0u32..12, prop::collection::vec(any::<u8>(), 0..24)), 0..30)
    ) {
        let mut bytes = Vec::new();
        for (k, flags, stream, payload) in &frames {
            frame::encode_frame(&mut bytes, *k, *flags, *stream, payload);
        }
        let mut session = ClientSession::default();
        let (mut events, mut out) = (Vec::new(), Vec::new());
        let _ = session.receive(&bytes, &mut events, &mut out);
        let mut st = ConnState::new(Instant::now());
        let mut next = 1;
        open(&mut st, &mut next, 1, 100);
        let (mut answers, mut unprocessed, mut goaways) = (Vec::new(), Vec::new(), Vec::new());
        let _ = st.apply_events(&mut events, &mut answers, &mut unprocessed, &mut goaways);
    }
}

fn apply(st: &mut ConnState, events: Vec<Event>) -> (Vec<(Stream, Answer)>, Vec<Job>) {
    let (mut answers, mut unprocessed, mut goaways) = (Vec::new(), Vec::new(), Vec::new());
    let mut events = events;
    st.apply_events(&mut events, &mut answers, &mut unprocessed, &mut goaways)
        .unwrap();
    (answers, unprocessed)
}

#[test]
fn a_goaway_with_an_error_code_ends_every_open_stream_at_once() {
    let mut st = ConnState::new(Instant::now());
    st.mark_answered();
    let mut next = 1;
    open(&mut st, &mut next, 4, 10);
    let goaway = Event::GoAway {
        last_stream_id: 3,
        error_code: error_code::COMPRESSION_ERROR,
        debug_data: b"bad header block".to_vec(),
    };
    let (answers, unprocessed) = apply(&mut st, vec![goaway]);
    let above: Vec<u64> = unprocessed.iter().map(|j| j.id).collect();
    assert_eq!(above, [5, 7], "above last-stream-id: not processed");
    let lost: Vec<(u64, String)> = answers
        .iter()
        .map(|(s, a)| match a {
            Answer::Lost(why) => (s.job.id, why.to_string()),
            _ => panic!("streams at or below last-stream-id are lost, not waited for"),
        })
        .collect();
    assert_eq!(
        lost,
        [
            (1, "GOAWAY COMPRESSION_ERROR: bad header block".to_string()),
            (3, "GOAWAY COMPRESSION_ERROR: bad header block".to_string())
        ]
    );
    assert_eq!(st.open(), 0);
    assert!(st.draining());
}

#[test]
fn a_graceful_goaway_leaves_streams_below_last_to_be_answered() {
    let mut st = ConnState::new(Instant::now());
    st.mark_answered();
    let mut next = 1;
    open(&mut st, &mut next, 4, 10);
    let goaway = Event::GoAway {
        last_stream_id: 3,
        error_code: error_code::NO_ERROR,
        debug_data: Vec::new(),
    };
    let (answers, unprocessed) = apply(&mut st, vec![goaway]);
    assert!(answers.is_empty());
    assert_eq!(unprocessed.len(), 2);
    assert_eq!(st.open(), 2);
}

#[test]
fn any_answer_or_a_timeout_ends_the_one_stream_start() {
    let start = |st: &ConnState| st.room(100);
    let mut st = ConnState::new(Instant::now());
    st.apply_settings(&[(setting::MAX_CONCURRENT_STREAMS, 50)])
        .unwrap();
    assert_eq!(start(&st), 1);
    let mut next = 1;
    open(&mut st, &mut next, 1, 10);
    let reset = Event::Reset {
        stream_id: 1,
        error_code: error_code::INTERNAL_ERROR,
    };
    apply(&mut st, vec![reset]);
    assert_eq!(st.phase, Phase::Open);
    assert_eq!(start(&st), 50);
    // A timeout (the reader calls mark_answered) ends it too.
    let mut st = ConnState::new(Instant::now());
    st.apply_settings(&[(setting::MAX_CONCURRENT_STREAMS, 50)])
        .unwrap();
    st.mark_answered();
    assert_eq!(start(&st), 50);
    assert!(st.started);
}

#[test]
fn a_ping_acknowledged_after_timeouts_proves_the_peer_alive_until_an_answer() {
    let mut st = ConnState::new(Instant::now());
    st.mark_answered();
    st.timeouts_in_row = 3;
    let data = [1, 2, 3, 4, 5, 6, 7, 8];
    st.ping = Some(Ping {
        data,
        sent: Instant::now(),
        deadline: Duration::from_millis(100),
    });
    apply(&mut st, vec![Event::PingAck([9; 8])]);
    assert!(!st.alive_since_timeout, "a stranger's ACK proves nothing");
    apply(&mut st, vec![Event::PingAck(data)]);
    assert!(st.alive_since_timeout && st.ping.is_none());
    let mut next = 1;
    open(&mut st, &mut next, 1, 10);
    let reset = Event::Reset {
        stream_id: 1,
        error_code: error_code::CANCEL,
    };
    apply(&mut st, vec![reset]);
    assert_eq!((st.timeouts_in_row, st.alive_since_timeout), (0, false));
}

#[test]
fn unhealthy_drain_refuses_new_streams_and_takes_all() {
    let mut st = ConnState::new(Instant::now());
    st.mark_answered();
    let mut next = 1;
    open(&mut st, &mut next, 3, 10);
    st.drain(Drain::Unhealthy);
    assert_eq!(st.room(100), 0);
    let taken: Vec<u32> = st.take_all().into_iter().map(|(id, _)| id).collect();
    assert_eq!(taken, [1, 3, 5]);
    // A later GOAWAY replaces the reason; a later exhaustion does not.
    st.drain(Drain::Exhausted);
    assert_eq!(st.phase, Phase::Draining(Drain::Unhealthy));
    st.drain(Drain::GoAway { last_stream: 9 });
    st.drain(Drain::GoAway { last_stream: 11 });
    assert_eq!(st.phase, Phase::Draining(Drain::GoAway { last_stream: 9 }));
}
