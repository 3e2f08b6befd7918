"""All of DynamoDB. Nothing in this package knows about GraphQL.

One module per aggregate declares its entities' item layouts (`data.layout`),
names its list reads and holds its writes: `accounts` (users, profiles,
sessions), `posts`, `comments`, `catalog` (categories, tags), `shop` (products,
orders, purchases) and `reviews`. Around them:

- `keys`: every key of the table, from validated parts;
- `layout`: records declared once, mapped to and from items;
- `pages`, `queries`, `cursors`: named reads, paged, with signed cursors;
- `writes`, `transactions`: the write kit and TransactWriteItems decoded;
- `client`, `transport`, `sigv4`, `wire`, `calls`: the calls themselves;
- `table`, `errors`, `clock`, `ulid`, `tokens`, `passwords`.
"""
