-- requests.lua with a pause before each request, to hold a chosen rate during a soak.
-- wrk decides whether a script paces when it loads it, so this is a separate script.
dofile(os.getenv("VITRINA_BENCH_LUA") .. "/requests.lua")

function delay()
  return pause
end
