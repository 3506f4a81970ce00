-- POSTs with signed-in members' sessions: BENCH_DATA names a Lua file defining `items`, each
-- {cookie, csrf, path, body}; each thread sends its own share (share.lua).
dofile(os.getenv("BENCH_DATA"))
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "share.lua")
-- `done`, the summary line bench.py reads, is report.lua's.
dofile(here .. "report.lua")
local hx = os.getenv("BENCH_HX") == "1"

request = function()
  local item = next_item(items)
  local headers = {
    ["Cookie"] = item.cookie,
    ["X-CSRFToken"] = item.csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  if hx then headers["HX-Request"] = "true" end
  return wrk.format("POST", item.path, headers, item.body)
end
