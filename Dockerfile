# The gateway only; point DYNAMODB_ENDPOINT at DynamoDB (or DynamoDB Local).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY data ./data
COPY loaders ./loaders
COPY resolvers ./resolvers
COPY schema ./schema
COPY web ./web
COPY server.py cli.py graphiql.py ./
RUN pip install --no-cache-dir .
ENV TABLEGATE_ENV=production HOST=0.0.0.0 PORT=8000
EXPOSE 8000
USER nobody
CMD ["tablegate", "serve"]
