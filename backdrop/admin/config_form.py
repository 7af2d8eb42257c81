"""A bucket's config as an HTML form, and the form back as config fields (SPEC 1).

Only the form's strings become the JSON values the write API takes; every
rule is ``backdrop.buckets``' own (``new_config``, ``changed_config``), so the
pages refuse exactly what ``POST``/``PATCH /data-sets`` refuse.
"""
from ..buckets import ConfigError

FLAGS = ("raw_queries_allowed", "queryable", "published")
TEXTS = ("data_group", "data_type")
NUMBERS = ("capped_size", "max_age_expected")
LISTS = ("auto_ids", "upload_filters")
CHOICES = ("bucket_type", "upload_format")


def config_fields(post):
    """The config fields a submitted form sets (every field of the form)."""
    fields = {}
    for name in CHOICES:
        if post.get(name):
            fields[name] = post[name]
    for name in TEXTS:
        fields[name] = post.get(name, "").strip() or None
    for name in FLAGS:
        fields[name] = post.get(name) == "on"
    for name in NUMBERS:
        text = post.get(name, "").strip()
        if not text:
            if name == "max_age_expected":
                fields[name] = None
            continue
        try:
            fields[name] = int(text)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    for name in LISTS:
        items = [item.strip() for item in post.get(name, "").split(",") if item.strip()]
        if items or name == "auto_ids":
            fields[name] = items or None
    return fields


def form_values(config):
    """A config's fields as the form shows them."""
    values = {name: config.get(name) for name in (*CHOICES, *FLAGS)}
    for name in TEXTS:
        values[name] = config.get(name) or ""
    for name in NUMBERS:
        values[name] = "" if config.get(name) is None else str(config[name])
    for name in LISTS:
        values[name] = ", ".join(config.get(name) or ())
    return values


def posted_values(post):
    """A refused form shown again as it was sent."""
    values = {name: post.get(name, "") for name in (*CHOICES, *TEXTS, *NUMBERS, *LISTS)}
    values.update({name: post.get(name) == "on" for name in FLAGS})
    return values
