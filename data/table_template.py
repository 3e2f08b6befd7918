"""The table as code: `table_definition` rendered as CloudFormation or Terraform.

Both templates describe the table `create-table` makes (keys, GSI1-3 and their
projections, TTL, stream, on-demand billing), plus what only a production
account wants: point-in-time recovery on, and the table kept when the stack or
the resource is deleted (its data outlives the template).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from data.table import TTL_ATTRIBUTE, table_definition


def cloudformation_properties(table_name: str) -> dict[str, Any]:
    """The `AWS::DynamoDB::Table` resource's Properties."""
    table = table_definition(table_name)
    return {
        "TableName": table["TableName"],
        "BillingMode": table["BillingMode"],
        "AttributeDefinitions": table["AttributeDefinitions"],
        "KeySchema": table["KeySchema"],
        "GlobalSecondaryIndexes": table["GlobalSecondaryIndexes"],
        # CloudFormation turns the stream on by its view type alone.
        "StreamSpecification": {
            "StreamViewType": table["StreamSpecification"]["StreamViewType"]
        },
        "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    }


def cloudformation(table_name: str) -> str:
    """A CloudFormation template (JSON) with the table as resource `Table`, its name and
    stream ARN as outputs."""
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"DynamoDB table {table_name} of tablegate (tablegate table-template)",
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": cloudformation_properties(table_name),
            }
        },
        "Outputs": {
            "TableName": {"Value": {"Ref": "Table"}},
            "StreamArn": {"Value": {"Fn::GetAtt": ["Table", "StreamArn"]}},
        },
    }
    return json.dumps(template, indent=2) + "\n"


def terraform(table_name: str) -> str:
    """An `aws_dynamodb_table` resource named `tablegate`, laid out as `terraform fmt` does."""
    table = table_definition(table_name)
    keys = _keys(table["KeySchema"])
    body = [
        _block_lines([
            ("name", _string(table["TableName"])),
            ("billing_mode", _string(table["BillingMode"])),
            ("hash_key", _string(keys["HASH"])),
            ("range_key", _string(keys["RANGE"])),
            ("stream_enabled", "true"),
            ("stream_view_type", _string(table["StreamSpecification"]["StreamViewType"])),
        ])
    ]
    for attribute in table["AttributeDefinitions"]:
        body.append(_block("attribute", [("name", _string(attribute["AttributeName"])),
                                         ("type", _string(attribute["AttributeType"]))]))
    for index in table["GlobalSecondaryIndexes"]:
        index_keys = _keys(index["KeySchema"])
        projection = index["Projection"]
        pairs = [("name", _string(index["IndexName"])),
                 ("hash_key", _string(index_keys["HASH"]))]
        if "RANGE" in index_keys:
            pairs.append(("range_key", _string(index_keys["RANGE"])))
        pairs.append(("projection_type", _string(projection["ProjectionType"])))
        if projection.get("NonKeyAttributes"):
            names = ", ".join(_string(name) for name in projection["NonKeyAttributes"])
            pairs.append(("non_key_attributes", f"[{names}]"))
        body.append(_block("global_secondary_index", pairs))
    body.append(_block("ttl", [("attribute_name", _string(TTL_ATTRIBUTE)), ("enabled", "true")]))
    body.append(_block("point_in_time_recovery", [("enabled", "true")]))
    # The data outlives the configuration: `terraform destroy` must not drop the table.
    body.append(_block("lifecycle", [("prevent_destroy", "true")]))
    inner = "\n\n".join(_indent(lines) for lines in body)
    return (f"# DynamoDB table {table_name} of tablegate (tablegate table-template)\n"
            f'resource "aws_dynamodb_table" "tablegate" {{\n{inner}\n}}\n')


def _keys(key_schema: list[dict[str, str]]) -> dict[str, str]:
    return {key["KeyType"]: key["AttributeName"] for key in key_schema}


def _string(value: str) -> str:
    # A JSON string is an HCL string for names like ours (no `${` or `%{` in them).
    return json.dumps(value)


def _block_lines(pairs: list[tuple[str, str]]) -> list[str]:
    """`name = value` lines, their `=` aligned as `terraform fmt` aligns them."""
    width = max(len(name) for name, _ in pairs)
    return [f"{name.ljust(width)} = {value}" for name, value in pairs]


def _block(kind: str, pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{kind} {{", *("  " + line for line in _block_lines(pairs)), "}"]


def _indent(lines: list[str]) -> str:
    return "\n".join(f"  {line}" for line in lines)


# `tablegate table-template --format NAME`: the renderer of each format, by name.
RENDERERS: dict[str, Callable[[str], str]] = {
    "cloudformation": cloudformation,
    "terraform": terraform,
}
