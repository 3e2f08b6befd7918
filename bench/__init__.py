"""`python -m bench`: the contract's operations against a gateway as users see it.

The gateway runs as its own uvicorn process on 127.0.0.1 (optionally beside the gateway
of another git revision, `--compare REV`), on a freshly seeded table, with DynamoDB
(Local, unless DYNAMODB_ENDPOINT names another engine) behind `bench.proxy`, which adds
a network-like latency to every call and records when each one happened. Every
response's `extensions.cost` says what DynamoDB work the gateway thinks it did; the
proxy says what it saw; /proc says what CPU the gateway spent.

`python -m bench --subscriptions` measures the subscriptions instead (bench/subscriptions.py):
commentAdded subscribers over real WebSockets, on one gateway and on two behind Redis.
"""
