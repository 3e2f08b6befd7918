"""`python -m bench`: the contract's operations against a freshly seeded table, in process.

The gateway is driven through httpx's ASGI transport (no port), on DynamoDB
Local unless DYNAMODB_ENDPOINT names another engine; every response's
`extensions.cost` says what DynamoDB work the request needed.
"""
