-- GETs of many pages, each once: BENCH_DATA names a Lua file defining `paths`; each thread reads
-- its own share (share.lua). The Cookie header comes from wrk's -H.
dofile(os.getenv("BENCH_DATA"))
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "share.lua")
-- `done`, the summary line bench.py reads, is report.lua's.
dofile(here .. "report.lua")

request = function()
  return wrk.format("GET", next_item(paths))
end
