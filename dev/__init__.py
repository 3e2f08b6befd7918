"""Development tooling: DynamoDB Local (`dev.engine`), the demo data (`dev.seed`),
GraphiQL's page and files (`dev.graphiql`) and the npm fetcher both installs share
(`dev.npm`).

Only the command line (cli.py), the tests and the bench import it; the runtime
layers (server.py, web/, schema/, resolvers/, loaders/, data/) never do, which
tests/test_layers.py checks. GraphiQL reaches the app as an argument of
`server.create_app`, passed by whoever builds the app.
"""
