//! Sources that read the host's clock: the rate source and the socket
//! source's `includeTimestamp` column. The host passes "now"; nothing reads
//! a real clock.

use streamlab_engine::engine::Engine;
use streamlab_engine::session::Event;

fn console(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| match e {
            Event::Batch(b) => b.console.clone(),
            Event::Print(p) => format!("{p}\n"),
        })
        .collect()
}

#[test]
fn rate_source_emits_rows_per_second_of_host_time() {
    let script = r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
rate = spark.readStream.format("rate").option("rowsPerSecond", 2).load()
rate.writeStream.format("console").option("truncate", False).start().awaitTermination()
"#;
    let mut e = Engine::new();
    e.start_script(script, 10_000).expect("script starts");
    let first = e.run_until_idle(10_000);
    assert!(console(&first).contains("Batch: 0"), "the first batch starts the clock: {}", console(&first));
    // Nothing is due before a whole second has passed.
    assert_eq!(e.next_wakeup_ms(), Some(11_000));
    assert!(e.run_until_idle(10_900).is_empty());
    let text = console(&e.run_until_idle(12_100));
    assert!(text.contains("Batch: 1"), "{text}");
    for row in ["|1970-01-01 00:00:10  |0    |", "|1970-01-01 00:00:10.5|1    |", "|1970-01-01 00:00:11  |2    |", "|1970-01-01 00:00:11.5|3    |"] {
        assert!(text.contains(row), "missing {row} in\n{text}");
    }
    assert!(!text.contains("|4    |"), "only whole seconds are read: {text}");
}

#[test]
fn rate_source_rejects_bad_rates() {
    let script = r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
rate = spark.readStream.format("rate").option("rowsPerSecond", 0).load()
"#;
    let mut e = Engine::new();
    e.start_script(script, 0).expect("parses");
    let err = e.error().expect("refused");
    assert!(err.message.contains("rowsPerSecond"), "{}", err.message);
}

#[test]
fn socket_include_timestamp_stamps_arrival_time() {
    let script = r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
lines = spark.readStream.format("socket").option("host", "localhost").option("port", 9999).option("includeTimestamp", True).load()
lines.printSchema()
lines.writeStream.format("console").option("truncate", False).start().awaitTermination()
"#;
    let mut e = Engine::new();
    e.start_script(script, 0).expect("script starts");
    let schema = console(&e.take_events());
    assert!(schema.contains(" |-- timestamp: timestamp (nullable = true)"), "{schema}");
    e.push_lines_at(9999, ["a".to_string(), "b".to_string()], 61_500);
    let text = console(&e.run_until_idle(62_000));
    assert!(text.contains("|a    |1970-01-01 00:01:01.5|"), "{text}");
    assert!(text.contains("|b    |1970-01-01 00:01:01.5|"), "{text}");
}
