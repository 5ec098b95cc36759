-- Replays prepared requests, one per line of a file:
--   METHOD <TAB> PATH <TAB> HEADER-NAME <TAB> HEADER-VALUE <TAB> BODY   ("-" = none)
-- Thread k of n takes lines k, k+n, k+2n, ... in turn, so threads never share a user.
-- Arguments: <file> <threads> [delay-ms per request: used by paced.lua, for a soak]
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local requests = {}
local position = 0
pause = 0

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    fields[#fields + 1] = field
  end
  return fields
end

function init(args)
  local file, threads = args[1], tonumber(args[2])
  pause = tonumber(args[3] or "0")
  local index = 0
  for line in io.lines(file) do
    if index % threads == tid then
      local f = split(line)
      local headers = {}
      if f[3] ~= "-" then headers[f[3]] = f[4] end
      local body = nil
      if f[5] ~= "-" then
        body = f[5]
        headers["Content-Type"] = "application/json"
      end
      requests[#requests + 1] = wrk.format(f[1], f[2], headers, body)
    end
    index = index + 1
  end
  if #requests == 0 then error("no requests for thread " .. tid) end
end

function request()
  position = position % #requests + 1
  return requests[position]
end
