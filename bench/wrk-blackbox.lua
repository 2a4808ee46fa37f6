-- wrk script for the `compare` section of bench/fleet-bench.ts: counts the blackbox exporter's
-- /probe responses whose body says `probe_success 1` (HTTP 200 alone says nothing: the exporter
-- answers 200 for a failed probe too) and records, per response, its completion time
-- (CLOCK_REALTIME, ms, via LuaJIT's FFI: the harness picks its measured window afterwards, the
-- same way for every tool), success, and the exporter's own probe_duration_seconds.
-- Writes them to the file named by WRK_OUT as lines "<ms> <ok 0|1> <probe seconds>"; the first
-- failed body goes to WRK_OUT.sample.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } pb_timeval;
  int gettimeofday(pb_timeval *tv, void *tz);
]]
local tv = ffi.new("pb_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  rows = {}
  sample = ""
end

function response(status, headers, body)
  local ok = 0
  if status == 200 and body:find("\nprobe_success 1\n", 1, true) then ok = 1 end
  if ok == 0 and sample == "" then sample = tostring(status) .. " " .. body:sub(-600) end
  local dur = body:match("\nprobe_duration_seconds ([%d%.eE+-]+)") or "nan"
  rows[#rows + 1] = string.format("%.3f %d %s", now_ms(), ok, dur)
end

function done(summary, latency, requests)
  local f = assert(io.open(os.getenv("WRK_OUT"), "w"))
  local first = ""
  for _, t in ipairs(threads) do
    local r = t:get("rows")
    for i = 1, #r do f:write(r[i], "\n") end
    local s = t:get("sample")
    if first == "" and s ~= nil then first = s end
  end
  f:close()
  local g = assert(io.open(os.getenv("WRK_OUT") .. ".sample", "w"))
  g:write(first)
  g:close()
  io.write(string.format('WRK {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"statusErrors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
