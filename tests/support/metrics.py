"""Reading ``/_metrics`` back with prometheus_client's own parser."""
from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "test-metrics-token-0123456789"
METRICS_SETTINGS = {"backdrop.metrics.enabled": "true", "backdrop.metrics.token": METRICS_TOKEN}


def scrape(test_app):
    """``{(sample name, frozenset of label pairs): value}`` of one scrape."""
    response = test_app.get("/_metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.content_type == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name, **labels):
    """One sample's value; 0 when the labelled series does not exist yet."""
    return samples.get((name, frozenset(labels.items())), 0)
