"""Parses a metrics exposition (stdin) with the Prometheus project's own Python parser and prints it as
JSON: {family: {"type": …, "samples": [[name, labels, value], …]}}. OpenMetrics when the first argument
says `openmetrics`, else the classic Prometheus text format."""

import json
import sys

if len(sys.argv) > 1 and sys.argv[1] == "openmetrics":
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
else:
    from prometheus_client.parser import text_string_to_metric_families

out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    out[family.name] = {
        "type": family.type,
        "samples": [[s.name, s.labels, s.value] for s in family.samples],
    }
print(json.dumps(out))
