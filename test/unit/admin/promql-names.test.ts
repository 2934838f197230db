// The checker that holds the dashboard and the alert rules to the metrics a sidecar exports
// (test/integration/ops-alerts.test.ts) is only as good as its name extraction: test it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { exposedNames, metricNames } from "../../helpers/promql.js";

describe("metricNames (PromQL)", () => {
  it("keeps metric names, drops functions, aggregations, grouping labels, matchers, ranges and Grafana variables", () => {
    assert.deepEqual(metricNames('histogram_quantile(0.95, sum by (le) (rate(jgs_poll_cycle_seconds_bucket{instance=~"$instance"}[$__rate_interval])))'), ["jgs_poll_cycle_seconds_bucket"]);
    assert.deepEqual(
      metricNames("(sum by (job, instance) (increase(jgs_jobs_failed_total[15m])) >= 5 and a / b > 0.2) unless on (job, instance) max_over_time(jgs_draining[15m]) == 1"),
      ["jgs_jobs_failed_total", "a", "b", "jgs_draining"],
    );
    assert.deepEqual(metricNames('up{job="jenkins-gearman-sidecar"} == 0'), ["up"]);
    assert.deepEqual(metricNames("rate(x_total[5m] offset 1h) * 60 + 1e3"), ["x_total"]);
    assert.deepEqual(metricNames("sum without (reason) (y) or on () vector(0)"), ["y"]);
  });

  it("takes the metric of Grafana's label_values(metric, label), not the label", () => {
    assert.deepEqual(metricNames("label_values(jgs_build_info, instance)"), ["jgs_build_info"]);
    assert.deepEqual(metricNames("label_values(jgs_free_executors{instance=~\"$instance\"}, group)"), ["jgs_free_executors"]);
  });
});

describe("exposedNames (text exposition)", () => {
  it("lists sample names, histogram series included, and skips comments", () => {
    const text = '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 0\nh_sum 0\nh_count 0\ng{a="b"} 1\n';
    assert.deepEqual([...exposedNames(text)].sort(), ["g", "h_bucket", "h_count", "h_sum"]);
  });
});
