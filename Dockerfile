# The gateway only; point DYNAMODB_ENDPOINT at DynamoDB (or DynamoDB Local).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY data ./data
COPY live ./live
COPY loaders ./loaders
COPY resolvers ./resolvers
COPY schema ./schema
COPY web ./web
# cli.py imports dev/ (for its development commands); production serves no IDE from it.
COPY dev ./dev
COPY server.py cli.py ./
RUN pip install --no-cache-dir .
ENV TABLEGATE_ENV=production HOST=0.0.0.0 PORT=8000
EXPOSE 8000
USER nobody
CMD ["tablegate", "serve"]
