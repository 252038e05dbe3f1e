FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY events ./events
COPY ingest ./ingest
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --create-home dailies && chown -R dailies /app
USER dailies
EXPOSE 8000
