-- Each wrk thread walks its own share of a list: thread n of N takes items n, n+N, n+2N, ...
-- (wrapping around). `next_item(list)` returns this thread's next one.
local counter = 0
local thread_count = 0

setup = function(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end

init = function(args)
  tid = tid or 0
  nthreads = 2
end

next_item = function(list)
  local item = list[((counter * nthreads + tid) % #list) + 1]
  counter = counter + 1
  return item
end
