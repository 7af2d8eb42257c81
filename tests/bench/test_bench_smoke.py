"""The benchmark script still runs end to end (tiny data set; the timings are not checked)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_and_backdrop_answers_like_direct_sql(tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--records", "3000", "--runs", "1",
         "--baseline-records", "2000", "--baseline-rev", "HEAD", "--before-rev", "HEAD",
         "--scaling-records", "4000", "--out", str(out)],
        # HEAD: any clone has it (a shallow one may lack the release before the mirror)
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ANSWERS DIFFER" not in result.stdout
    results = json.loads(out.read_text())
    assert results["records"] == 3000
    assert len(results["queries"]) == 5
    assert all(query["same_answer"] for query in results["queries"]), results["queries"]
    assert results["ingest"]["backdrop"]["records"] == results["ingest"]["direct"]["records"] == 3000
    baseline = results["ingest"]["versus_baseline"]
    assert baseline["this"]["records"] == baseline["baseline"]["records"] == 2000
    before = results["ingest"]["versus_before"]
    assert before["rev"] == "HEAD" and before["this"]["records"] == 2000
    assert before["this"]["cpu_us_per_record"] > 0 and before["baseline"]["cpu_us_per_record"] > 0
    two = results["ingest"]["two_processes"]
    assert two["processes_1"]["records"] == two["processes_2"]["records"] == 4000
    assert two["ratio"] == two["processes_2"]["per_second"] / two["processes_1"]["per_second"]
    assert "two write processes" in results["targets_met"]
    assert results["read_after_write"]["missed"] == 0
    assert results["read_after_write"]["rounds"] == 100
