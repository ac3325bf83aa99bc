"""Where the tests find the reference material and real data kept outside the
repository: `<repo>/../shared` (as CI lays it out), or SERVICENORMS_SHARED."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    return Path(os.environ.get("SERVICENORMS_SHARED") or REPO.parent / "shared")


def retailer_reference_dir() -> Path:
    return shared_dir() / "reference" / "bol-retailer-api-v10"


def strict_schema(name: str) -> dict:
    """The reference OpenAPI schema `name` (components/schemas) as a JSON Schema in
    which no object may carry a property the reference does not define: "the
    same shape" means no more fields as well as no fewer. Skips when the
    reference is absent."""
    spec_file = retailer_reference_dir() / "retailer-v10-service-subset.json"
    if not spec_file.exists():
        pytest.skip(f"the Retailer API v10 reference is not at {spec_file} (SERVICENORMS_SHARED)")
    components = json.loads(spec_file.read_text())["components"]

    def close(node):
        if isinstance(node, dict):
            node = {k: close(v) for k, v in node.items()}
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            return node
        if isinstance(node, list):
            return [close(v) for v in node]
        return node

    return {"$ref": f"#/components/schemas/{name}", "components": close(components)}


def olist_sample_dir() -> Path:
    """The Olist sample: SERVICENORMS_OLIST_SAMPLE, else `<shared>/realdata/olist-sample`."""
    given = os.environ.get("SERVICENORMS_OLIST_SAMPLE")
    return Path(given) if given else shared_dir() / "realdata" / "olist-sample"
