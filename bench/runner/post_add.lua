-- wrk script: POST /add with body {"v":1} (the counter apps, ours and go-kit's)
wrk.method = "POST"
wrk.body   = '{"v":1}'
wrk.headers["Content-Type"] = "application/json"
