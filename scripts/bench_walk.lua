-- wrk walker: each thread walks the request paths of a file (one per line)
-- round and round, starting at its own offset.
-- usage: wrk ... -s scripts/bench_walk.lua URL -- PATHS_FILE
local paths = {}
local i = 0
local counter = 0

setup = function(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end

init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = (offset or 0) % #paths
end

request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
