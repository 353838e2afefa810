//! With a watermark, state for closed windows and for join rows that can no
//! longer match is evicted: pushing a long stream through in many batches,
//! the state stays flat instead of growing with the input.

use streamlab_engine::engine::Engine;
use streamlab_engine::session::Event;

/// `2024-05-01 HH:MM:SS.mmm` for a millisecond offset into the day.
fn ts(ms: i64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    (base + chrono::Duration::milliseconds(ms)).format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// Runs batches and returns (state rows after each batch, output rows).
fn drive(engine: &mut Engine, batches: impl Iterator<Item = Vec<(u16, Vec<String>)>>) -> (Vec<usize>, usize) {
    let mut state = Vec::new();
    let mut out_rows = 0;
    for (i, b) in batches.enumerate() {
        for (port, lines) in b {
            engine.push_lines(port, lines);
        }
        for e in engine.run_until_idle(i as i64) {
            if let Event::Batch(b) = e {
                out_rows += b.batch.num_rows();
                state.push(b.progress.state_rows);
            }
        }
        assert!(engine.error().is_none() && engine.query_error().is_none(), "{:?} {:?}", engine.error(), engine.query_error());
    }
    (state, out_rows)
}

#[test]
fn windowed_count_state_stays_flat_over_a_million_events() {
    let script = r#"
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
spark = SparkSession.builder.getOrCreate()
lines = spark.readStream.format("socket").option("host", "localhost").option("port", 9999).load()
f = F.split(lines.value, ",")
events = lines.select(F.to_timestamp(f[0]).alias("ts"), f[1].alias("key"))
counts = events.withWatermark("ts", "10 seconds").groupBy(F.window("ts", "1 minute"), "key").count()
counts.writeStream.outputMode("append").format("noop").start().awaitTermination()
"#;
    let mut engine = Engine::new();
    engine.start_script(script, 0).unwrap();
    const N: i64 = 1_000_000;
    const BATCH: i64 = 10_000;
    let started = std::time::Instant::now();
    let batches = (0..N / BATCH).map(|b| {
        let lines = (b * BATCH..(b + 1) * BATCH).map(|i| format!("{},k{}", ts(i * 10), i % 10)).collect();
        vec![(9999u16, lines)]
    });
    let (state, out_rows) = drive(&mut engine, batches);
    let secs = started.elapsed().as_secs_f64();
    let peak = *state.iter().max().unwrap();
    println!("windowed count: {N} events in {secs:.2} s ({:.0} events/s), peak state rows {peak}, {out_rows} windows emitted", N as f64 / secs);
    // 100 s of event time per batch, 1-minute windows, 10 keys: a handful
    // of windows per key are open at once, whatever the stream's length.
    assert!(peak <= 10 * 4, "state grew to {peak} rows");
    let first_half = *state[..state.len() / 2].iter().max().unwrap();
    let second_half = *state[state.len() / 2..].iter().max().unwrap();
    assert!(second_half <= first_half, "state grows: {first_half} then {second_half}");
    // Every closed window was emitted once: 10,000 s of events = 166 full minutes.
    assert!(out_rows >= 166 * 10, "only {out_rows} windows were emitted");
}

#[test]
fn stream_stream_join_state_stays_bounded() {
    let script = r#"
from pyspark.sql import SparkSession
from pyspark.sql.functions import *
spark = SparkSession.builder.getOrCreate()
def socket(port):
    return spark.readStream.format("socket").option("host", "localhost").option("port", port).load()
imp = socket(7001).select(split("value", ",")[0].alias("impAdId"), to_timestamp(split("value", ",")[1]).alias("impTime"))
clk = socket(7002).select(split("value", ",")[0].alias("clickAdId"), to_timestamp(split("value", ",")[1]).alias("clickTime"))
imp = imp.withWatermark("impTime", "10 seconds")
clk = clk.withWatermark("clickTime", "20 seconds")
cond = expr("clickAdId = impAdId AND clickTime >= impTime AND clickTime <= impTime + interval 1 minute")
imp.join(clk, cond, "leftOuter").writeStream.format("noop").start().awaitTermination()
"#;
    let mut engine = Engine::new();
    engine.start_script(script, 0).unwrap();
    const N: i64 = 100_000;
    const BATCH: i64 = 1_000;
    // One impression per 100 ms; every other one is clicked 5 s later.
    let batches = (0..N / BATCH).map(|b| {
        let imps = (b * BATCH..(b + 1) * BATCH).map(|i| format!("ad{i},{}", ts(i * 100))).collect();
        let clicks = (b * BATCH..(b + 1) * BATCH).filter(|i| i % 2 == 0).map(|i| format!("ad{i},{}", ts(i * 100 + 5_000))).collect::<Vec<_>>();
        let extra = (b * BATCH..(b + 1) * BATCH).filter(|i| i % 2 == 1).map(|i| format!("noad{i},{}", ts(i * 100))).collect::<Vec<_>>();
        vec![(7001u16, imps), (7002u16, clicks.into_iter().chain(extra).collect())]
    });
    let (state, out_rows) = drive(&mut engine, batches);
    let peak = *state.iter().max().unwrap();
    println!("stream-stream join: {N} rows a side, peak state rows {peak}, {out_rows} rows out");
    // A batch spans 100 s of event time; rows live about a batch plus the
    // range and the delays: a few thousand rows, not 200,000.
    assert!(peak < 6 * BATCH as usize, "join state grew to {peak} rows");
    // Every impression comes out once: matched, or with NULLs after eviction
    // (all but the last batches' worth, still waiting for the watermark).
    assert!(out_rows as i64 > N - 3 * BATCH, "only {out_rows} rows out");
}
