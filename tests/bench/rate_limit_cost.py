# Run inside `odoo-bin shell -d g2p_bench`: what counting one call against a client's rate limit
# costs (one UPSERT committed at once on the process's counter connection), as every API call pays it.
import json
import time

client = env["g2p.api.client"].search([("client_id", "=", "bench")])
Window = env["g2p.api.rate.window"]
limit = client._effective_rate_limit()  # cached with the verified token in a real call
for _ in range(50):  # warm the connection pool and the parameter cache
    Window._consume(client.id, limit)
n = 2000
started = time.perf_counter()
for _ in range(n):
    Window._consume(client.id, limit)
print("RATE_LIMIT_MS=" + json.dumps((time.perf_counter() - started) / n * 1000))
