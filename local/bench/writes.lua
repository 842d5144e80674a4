-- Mixed authenticated writes, per wrk thread: create, then get, update and delete what was
-- created, round robin. ARTICLES_API_TOKEN names the token (default: bench-token).
local token = os.getenv("ARTICLES_API_TOKEN") or "bench-token"
local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local created = {}
local step = 0

function request()
  step = step + 1
  local phase = step % 4
  if phase == 1 or #created == 0 then
    return wrk.format("POST", "/articles", headers, '{"title":"bench article"}')
  end
  local id = created[1]
  if phase == 2 then
    return wrk.format("GET", "/articles/" .. id, headers)
  elseif phase == 3 then
    return wrk.format("POST", "/articles/" .. id, headers, '{"title":"bench article, updated"}')
  end
  table.remove(created, 1)
  return wrk.format("DELETE", "/articles/" .. id, headers)
end

function response(status, _, body)
  if status == 201 then
    local id = body:match('"id":(%d+)')
    if id then
      table.insert(created, id)
    end
  end
end
