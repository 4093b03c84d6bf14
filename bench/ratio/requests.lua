-- wrk script for bench/ratio.py: replay pre-signed webhook bodies, each thread its own
-- slice of the file, so every request is a new call (a fresh CallSid).
local bodies, threads, counter = {}, {}, 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  local n = 0
  for line in io.lines(path) do
    if n % nthreads == id then
      local body, signature = line:match("^([^\t]*)\t(.*)$")
      table.insert(bodies, wrk.format("POST", "/voice/incoming", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = signature}, body))
    end
    n = n + 1
  end
  next_one = 0
end

function request()
  next_one = next_one % #bodies + 1
  return bodies[next_one]
end
