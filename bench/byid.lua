-- wrk script: GET <prefix><id> with ids drawn at random from a file (one id a line).
-- Usage: wrk ... -s bench/byid.lua URL -- IDS_FILE PREFIX
-- The Authorization header comes from wrk's -H option (wrk.headers).

local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
end

function init(args)
   local file = args[1] or error("byid.lua: give the ids file after --")
   prefix = args[2] or "/v2.0/persons/"
   ids = {}
   for line in io.lines(file) do
      if #line > 0 then
         ids[#ids + 1] = line
      end
   end
   if #ids == 0 then
      error("byid.lua: no ids in " .. file)
   end
   math.randomseed(1000 + (tid or 0))
end

function request()
   return wrk.format("GET", prefix .. ids[math.random(#ids)])
end
