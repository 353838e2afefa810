//! Property: a complete-mode aggregation, after every micro-batch, equals the
//! same query run once over all the input so far, whatever the input and
//! however it is split into batches.

use proptest::prelude::*;
use streamlab_engine::engine::Engine;
use streamlab_engine::session::Event;

const SCRIPT: &str = r#"
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
spark = SparkSession.builder.getOrCreate()
lines = spark.readStream.format("socket").option("host", "localhost").option("port", 9999).load()
f = F.split(lines.value, ",")
t = lines.select(f[0].alias("k"), f[1].cast("int").alias("v"))
out = t.groupBy("k").agg(F.count("*").alias("n"), F.sum("v").alias("s"), F.min("v"), F.max("v"), F.avg("v"))
out.writeStream.outputMode("complete").format("console").start().awaitTermination()
"#;

/// The rows of each batch the engine printed, sorted (row order is not part
/// of the answer without an orderBy).
fn run(batches: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut engine = Engine::new();
    engine.start_script(SCRIPT, 0).expect("script starts");
    let mut out = Vec::new();
    for (i, b) in batches.iter().enumerate() {
        engine.push_lines(9999, b.iter().cloned());
        for e in engine.run_until_idle(i as i64 * 1000) {
            if let Event::Batch(b) = e {
                let mut rows: Vec<String> = b.console.lines().filter(|l| l.starts_with('|')).skip(1).map(str::to_string).collect();
                rows.sort();
                out.push(rows);
            }
        }
    }
    assert!(engine.error().is_none(), "{:?}", engine.error());
    out
}

fn line() -> impl Strategy<Value = String> {
    (prop::sample::select(vec!["a", "b", "c", "dd", "é"]), -1000i32..1000).prop_map(|(k, v)| format!("{k},{v}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn complete_mode_equals_batch_over_everything(lines in prop::collection::vec(line(), 1..40), cuts in prop::collection::vec(0usize..40, 0..6)) {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % lines.len()).filter(|&c| c > 0).collect();
        cuts.sort();
        cuts.dedup();
        let mut batches = Vec::new();
        let mut start = 0;
        for c in cuts.iter().copied().chain(std::iter::once(lines.len())) {
            batches.push(lines[start..c].to_vec());
            start = c;
        }
        let streamed = run(&batches);
        prop_assert_eq!(streamed.len(), batches.len());
        let mut seen = 0;
        for (i, b) in batches.iter().enumerate() {
            seen += b.len();
            let once = run(&[lines[..seen].to_vec()]);
            prop_assert_eq!(&streamed[i], &once[0], "after batch {}", i);
        }
    }
}
