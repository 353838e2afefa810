#!/usr/bin/env python3
"""Spark's side of scripts/bench: the same labs and workloads on real Apache
Spark 4.0.1 (local[2]), all in one Spark session so that its start-up is
paid once. Prints one JSON object per line.

    spark_bench.py --bench path/to/streamlab-bench --out results.jsonl [--rows N] [--batch B]
                   [--workloads wordcount,window,keys] [--wordcount-lab LAB] LAB.json...

- session: the time `SparkSession.builder.getOrCreate()` takes.
- labs: each lab runs as ../shared/oracle/spark_lab.py runs it (socket
  sources become Spark's MemoryStream, so each step lands in exactly one
  micro-batch; files are written into the working directory; after each
  step the query runs until Spark has nothing left to do), and Spark's own
  `durationMs.triggerExecution` of every batch is reported. Before the
  labs a throwaway query warms the JVM up, so these are warm figures.
- workloads: streamlab-bench prints each workload's PySpark script and
  input (`script`, `gen`); the script runs unchanged with its socket
  source replaced by a MemoryStream, fed `--batch` lines at a time, and
  rows per second are total input rows over the sum of every batch's
  triggerExecution (no-data batches included).

Shuffle partitions: 2 (Spark's best on 2 cores; the default 200 is also
measured on the word-count lab with --wordcount-lab).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time, traceback

p = argparse.ArgumentParser()
p.add_argument("--bench", required=True)
p.add_argument("--out", required=True, help="where the JSON lines go (Spark's console sink prints on stdout)")
p.add_argument("--rows", type=int, default=1_000_000)
p.add_argument("--batch", type=int, default=10_000)
p.add_argument("--workloads", default="wordcount,window,keys")
p.add_argument("--keys-rows", type=int, default=None)
p.add_argument("--wordcount-lab", default=None)
p.add_argument("labs", nargs="*")
opts = p.parse_args()
labs = [(l, os.path.abspath(l)) for l in opts.labs]
wc_lab = os.path.abspath(opts.wordcount_lab) if opts.wordcount_lab else None
bench = os.path.abspath(opts.bench)

work = tempfile.mkdtemp(prefix="spark-bench-")
os.chdir(work)  # the JVM's working directory: lab files are written here


out_file = open(os.path.abspath(opts.out), "w")


def emit(obj):
    out_file.write(json.dumps(obj) + "\n")
    out_file.flush()


from pyspark.sql import SparkSession, DataFrame
from pyspark.sql.streaming.readwriter import DataStreamReader, DataStreamWriter
from pyspark.sql.streaming.query import StreamingQuery, StreamingQueryManager

t0 = time.time()
spark = (SparkSession.builder.master("local[2]").appName("streamlab-bench")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.sql.shuffle.partitions", "2")
         .config("spark.sql.streaming.pollingDelay", "1000ms")
         .config("spark.sql.streaming.numRecentProgressUpdates", "100000")
         .getOrCreate())
session_s = time.time() - t0
spark.sparkContext.setLogLevel("ERROR")
jvm = spark._jvm
emit({"kind": "session", "seconds": session_s, "spark": spark.version,
      "jvm_pid": jvm.java.lang.ProcessHandle.current().pid()})

# ------------------------------------------------------------------ patches
ctx = {"streams": {}, "queries": [], "pre": [], "post": [], "driver": None}


def memory_stream(port):
    s = ctx["streams"]
    if port not in s:
        ms = jvm.org.apache.spark.sql.execution.streaming.MemoryStream
        s[port] = ms.apply(jvm.org.apache.spark.sql.Encoders.STRING(), spark._jsparkSession.sqlContext())
    return s[port]


def add_lines(port, lines):
    if len(lines) < 100 or any(not l or "\n" in l or "\r" in l for l in lines):
        # As spark_lab.py does (keeps empty lines).
        jl = jvm.java.util.ArrayList()
        for l in lines:
            jl.add(l)
    else:
        # In bulk: one string crosses py4j, the JVM splits it.
        jl = jvm.java.io.BufferedReader(jvm.java.io.StringReader("\n".join(lines))).lines().iterator()
    memory_stream(str(port)).addData(jvm.scala.jdk.javaapi.CollectionConverters.asScala(jl))


def apply(step):
    for port, lines in step.get("lines", {}).items():
        if lines:
            add_lines(port, lines)
    for path, text in step.get("files", {}).items():
        d = os.path.dirname(path)
        if d:
            os.makedirs(d, exist_ok=True)
        tmp = os.path.join(os.path.dirname(os.path.abspath(path)), "." + os.path.basename(path) + ".tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, path)


_orig = (DataStreamReader.format, DataStreamReader.option, DataStreamReader.options, DataStreamReader.load)


def _opts(self):
    if not hasattr(self, "_lab_opts"):
        self._lab_opts = {}
    return self._lab_opts


def r_format(self, source):
    _opts(self)["__format"] = source
    return _orig[0](self, source)


def r_option(self, key, value):
    _opts(self)[key.lower()] = value
    return _orig[1](self, key, value)


def r_options(self, **kw):
    for k, v in kw.items():
        _opts(self)[k.lower()] = v
    return _orig[2](self, **kw)


def r_load(self, path=None, format=None, schema=None, **kw):
    o = dict(_opts(self))
    if (format or o.get("__format")) == "socket":
        return DataFrame(memory_stream(str(o.get("port"))).toDF(), spark)
    return _orig[3](self, path, format, schema, **kw)


DataStreamReader.format, DataStreamReader.option = r_format, r_option
DataStreamReader.options, DataStreamReader.load = r_options, r_load

_orig_start = DataStreamWriter.start


def w_start(self, *a, **kw):
    if not ctx["queries"]:
        for s in ctx["pre"]:
            apply(s)
    q = _orig_start(self, *a, **kw)
    ctx["queries"].append(q)
    return q


DataStreamWriter.start = w_start


class Done(BaseException):
    pass


def await_termination(*a, **kw):
    ctx["driver"]()
    raise Done()


StreamingQuery.awaitTermination = await_termination
StreamingQueryManager.awaitAnyTermination = await_termination


def settle(q):
    if q.isActive:
        q.processAllAvailable()
    if q.exception() is not None:
        raise q.exception()


def run_script(source, pre, post, driver):
    """Runs a script with its socket sources on MemoryStreams; `driver`
    feeds it once the script waits on its query."""
    ctx.update(streams={}, queries=[], pre=pre, post=post, driver=driver)
    error = None
    try:
        exec(compile(source, "query.py", "exec"), {"__name__": "__main__"})
        if ctx["queries"]:
            driver()
    except Done:
        pass
    except Exception as e:
        error = {"type": type(e).__name__, "message": str(e).split("\n")[0][:300]}
    progress = [plain(p) for q in ctx["queries"] for p in q.recentProgress]
    for q in ctx["queries"]:
        try:
            if q.isActive:
                q.stop()
        except Exception:
            pass
    return progress, error


def plain(p):
    """A progress report as plain JSON data."""
    j = getattr(p, "json", None)
    if isinstance(j, str):
        return json.loads(j)
    if callable(j):
        return json.loads(j())
    return p


def ran(p):
    """Whether a progress report is for a batch that ran (idle triggers,
    which only looked for new data, report no addBatch)."""
    return "addBatch" in p.get("durationMs", {})


def lab_driver():
    for q in ctx["queries"]:
        settle(q)
    for s in ctx["post"]:
        apply(s)
        for q in ctx["queries"]:
            settle(q)


def clean_workdir():
    for name in os.listdir(work):
        path = os.path.join(work, name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.remove(path)


def run_lab(path, name=None):
    lab = json.load(open(path))
    clean_workdir()
    for fp, text in lab.get("files", {}).items():
        if os.path.dirname(fp):
            os.makedirs(os.path.dirname(fp), exist_ok=True)
        with open(fp, "w") as f:
            f.write(text)
    steps = list(lab.get("steps", []))
    start_at = next((i for i, s in enumerate(steps) if s.get("start")), 0)
    pre, post = steps[:start_at], [s for s in steps[start_at:] if not s.get("start")]
    t = time.time()
    progress, error = run_script(lab["query"], pre, post, lab_driver)
    trig = [p["durationMs"].get("triggerExecution") for p in progress if ran(p)]
    emit({"kind": "lab", "lab": name or path, "name": lab.get("name"), "trigger_ms": trig,
          "batches": len(trig), "error": error, "wall_s": time.time() - t})


def proc_peak_rss():
    try:
        pid = jvm.java.lang.ProcessHandle.current().pid()
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except Exception:
        return None


# ------------------------------------------------------------------ warm-up
warm = ("from pyspark.sql import SparkSession\nfrom pyspark.sql.functions import *\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "lines = spark.readStream.format('socket').option('host','localhost').option('port',1).load()\n"
        "words = lines.select(explode(split(lines.value, ' ')).alias('word')).groupBy('word').count()\n"
        "q = words.writeStream.outputMode('complete').format('noop').start()\nq.awaitTermination()\n")
run_script(warm, [], [{"lines": {"1": [f"a b c {i}" for i in range(100)]}}] * 5, lab_driver)

for name, path in labs:
    try:
        run_lab(path, name)
    except Exception as e:
        emit({"kind": "lab", "lab": path, "error": {"type": type(e).__name__, "message": str(e)[:300]}})

if wc_lab:
    spark.conf.set("spark.sql.shuffle.partitions", "200")
    lab = json.load(open(wc_lab))
    clean_workdir()
    steps = lab.get("steps", [])
    progress, error = run_script(lab["query"], [], steps, lab_driver)
    emit({"kind": "lab200", "lab": wc_lab, "name": lab.get("name"), "partitions": 200,
          "trigger_ms": [p["durationMs"].get("triggerExecution") for p in progress if ran(p)], "error": error})
    spark.conf.set("spark.sql.shuffle.partitions", "2")

# ------------------------------------------------------------------ workloads
for w in [w for w in opts.workloads.split(",") if w]:
    rows = opts.keys_rows if (w == "keys" and opts.keys_rows) else opts.rows
    script = subprocess.run([bench, "script", w, "noop"], check=True, capture_output=True, text=True).stdout
    data = os.path.join(work, "..", os.path.basename(work) + f"-{w}.txt")
    with open(data, "w") as f:
        subprocess.run([bench, "gen", w, str(rows)], check=True, stdout=f)
    feed_s = [0.0]

    def driver(data=data):
        with open(data) as f:
            while True:
                chunk = [l.rstrip("\n") for _, l in zip(range(opts.batch), f)]
                if not chunk:
                    break
                t = time.time()
                add_lines(9999, chunk)
                feed_s[0] += time.time() - t
                for q in ctx["queries"]:
                    settle(q)

    clean_workdir()
    t = time.time()
    progress, error = run_script(script, [], [], driver)
    wall = time.time() - t
    os.remove(data)
    progress = [p for p in progress if ran(p)]
    trig = [p["durationMs"].get("triggerExecution", 0) for p in progress]
    n_in = sum(p["numInputRows"] for p in progress)
    states = [sum(s.get("numRowsTotal", 0) for s in p.get("stateOperators", [])) for p in progress]
    mem = [sum(s.get("memoryUsedBytes", 0) for s in p.get("stateOperators", [])) for p in progress]
    data_trig = sorted(t for t, p in zip(trig, progress) if p["numInputRows"] > 0)
    emit({"kind": "run", "target": "spark", "workload": w, "sink": "noop", "rows": rows, "batch": opts.batch,
          "input_rows": n_in, "batches": len(progress), "error": error,
          "seconds": sum(trig) / 1000.0, "rows_per_s": n_in / (sum(trig) / 1000.0) if sum(trig) else None,
          "batch_ms_p50": data_trig[len(data_trig) // 2] if data_trig else None,
          "batch_ms_max": data_trig[-1] if data_trig else None,
          "wall_s": wall, "feed_s": feed_s[0],
          "peak_state_rows": max(states, default=0), "final_state_rows": states[-1] if states else 0,
          "state_series": states[:: max(1, len(states) // 10)],
          "peak_state_memory_bytes": max(mem, default=0),
          "jvm_peak_rss_bytes": proc_peak_rss()})

shutil.rmtree(work, ignore_errors=True)
sys.stdout.flush()
os._exit(0)
