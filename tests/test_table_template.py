"""`tablegate table-template`: the CloudFormation and Terraform templates describe the
table `create-table` makes. The CloudFormation one is checked by making a table from
it in DynamoDB Local and comparing the two tables as DynamoDB describes them."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

import cli
from config import Settings
from data.client import Dynamo
from data.table import create_table, delete_table


def template(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
             template_format: str, table: str) -> str:
    """What `tablegate table-template --format FORMAT` prints for `table`, in production
    and without a secret: rendering a template needs neither."""
    monkeypatch.setenv("DYNAMODB_TABLE_NAME", table)
    monkeypatch.setenv("TABLEGATE_ENV", "production")
    monkeypatch.delenv("TABLEGATE_SECRET", raising=False)
    cli.main(["table-template", "--format", template_format])
    return capsys.readouterr().out


def create_table_calls(properties: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """CreateTable's and UpdateTimeToLive's parameters for the CloudFormation Properties.
    Every property must be mapped here (or checked by the caller), so that a new one in
    the template cannot go unnoticed."""
    left = dict(properties)
    create = {name: left.pop(name) for name in (
        "TableName", "BillingMode", "AttributeDefinitions", "KeySchema",
        "GlobalSecondaryIndexes")}
    create["StreamSpecification"] = {"StreamEnabled": True, **left.pop("StreamSpecification")}
    ttl = {"TableName": create["TableName"],
           "TimeToLiveSpecification": left.pop("TimeToLiveSpecification")}
    # DynamoDB Local has no UpdateContinuousBackups: the template's own setting is checked.
    assert left.pop("PointInTimeRecoverySpecification") == {"PointInTimeRecoveryEnabled": True}
    assert left == {}, f"CloudFormation properties this test does not map: {sorted(left)}"
    return create, ttl


def described(client: Any, table: str) -> dict[str, Any]:
    """What DynamoDB says of the table that a template must reproduce (not its name,
    ARNs, dates or sizes)."""
    description = client.describe_table(TableName=table)["Table"]
    ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    return {
        "KeySchema": description["KeySchema"],
        "AttributeDefinitions": sorted(description["AttributeDefinitions"],
                                       key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": sorted(
            ({"IndexName": i["IndexName"], "KeySchema": i["KeySchema"],
              "Projection": i["Projection"]} for i in description["GlobalSecondaryIndexes"]),
            key=lambda i: i["IndexName"]),
        "BillingMode": description["BillingModeSummary"]["BillingMode"],
        "StreamSpecification": description["StreamSpecification"],
        "TimeToLive": ttl,
    }


@pytest.fixture
async def two_tables(settings: Settings) -> AsyncIterator[tuple[Dynamo, Dynamo]]:
    """Two fresh table names on the test engine, both dropped afterwards."""
    made = [Dynamo(replace(settings, table_name=f"tablegate-{role}-{uuid.uuid4().hex[:8]}"))
            for role in ("made", "templated")]
    try:
        yield made[0], made[1]
    finally:
        for dynamo in made:
            await delete_table(dynamo)
            await dynamo.close()


async def test_the_cloudformation_table_is_the_table_create_table_makes(
    two_tables: tuple[Dynamo, Dynamo], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made, templated = two_tables
    await create_table(made)

    document = json.loads(template(capsys, monkeypatch, "cloudformation", templated.table))
    resource = document["Resources"]["Table"]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    assert resource["DeletionPolicy"] == "Retain"
    create, ttl = create_table_calls(resource["Properties"])
    client = templated.client
    await asyncio.to_thread(client.create_table, **create)
    await asyncio.to_thread(client.get_waiter("table_exists").wait, TableName=templated.table)
    await asyncio.to_thread(client.update_time_to_live, **ttl)

    expected = await asyncio.to_thread(described, client, made.table)
    assert await asyncio.to_thread(described, client, templated.table) == expected
    # The comparison covers what the gateway relies on.
    assert [i["IndexName"] for i in expected["GlobalSecondaryIndexes"]] == ["GSI1", "GSI2", "GSI3"]
    assert expected["TimeToLive"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    assert expected["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert expected["BillingMode"] == "PAY_PER_REQUEST"


def blocks(hcl: str, kind: str) -> list[dict[str, str]]:
    """The `name = value` pairs of each `kind { ... }` block (flat blocks only)."""
    found = re.findall(rf"^  {kind} \{{\n(.*?)\n  \}}$", hcl, flags=re.MULTILINE | re.DOTALL)
    return [dict(re.findall(r"^\s*(\w+)\s*=\s*(.+?)\s*$", body, flags=re.MULTILINE))
            for body in found]


def test_the_terraform_table_names_the_same_keys_indexes_ttl_and_stream(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from data.table import table_definition

    hcl = template(capsys, monkeypatch, "terraform", "orders-prod")
    definition = table_definition("orders-prod")
    header = re.search(r'^resource "aws_dynamodb_table" "tablegate" \{\n(.*?)\n\n', hcl,
                       flags=re.MULTILINE | re.DOTALL)
    assert header is not None, hcl
    top = dict(re.findall(r"^\s*(\w+)\s*=\s*(.+?)\s*$", header.group(1), flags=re.MULTILINE))
    assert top == {
        "name": '"orders-prod"', "billing_mode": '"PAY_PER_REQUEST"',
        "hash_key": '"PK"', "range_key": '"SK"',
        "stream_enabled": "true", "stream_view_type": '"NEW_AND_OLD_IMAGES"',
    }
    assert blocks(hcl, "attribute") == [
        {"name": f'"{a["AttributeName"]}"', "type": f'"{a["AttributeType"]}"'}
        for a in definition["AttributeDefinitions"]
    ]
    assert blocks(hcl, "global_secondary_index") == [
        {"name": f'"{index}"', "hash_key": f'"{index}PK"', "range_key": f'"{index}SK"',
         "projection_type": '"ALL"'}
        for index in ("GSI1", "GSI2", "GSI3")
    ]
    assert blocks(hcl, "ttl") == [{"attribute_name": '"ttl"', "enabled": "true"}]
    assert blocks(hcl, "point_in_time_recovery") == [{"enabled": "true"}]
    assert blocks(hcl, "lifecycle") == [{"prevent_destroy": "true"}]
    assert hcl.count("{") == hcl.count("}")
