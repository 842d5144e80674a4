-- The floor: the embedded engine's own operation over its DynamoDB API, exactly as the
-- store sends it for a list (ENGINE_OP=Query, the default) or a get (ENGINE_OP=GetItem).
local bodies = {
  Query = '{"TableName":"articles","IndexName":"live-by-id","KeyConditionExpression":"#live = :live AND #id > :after",'
    .. '"ExpressionAttributeNames":{"#live":"live","#id":"id"},"ExpressionAttributeValues":{":live":{"N":"1"},":after":{"N":"0"}},"Limit":101}',
  GetItem = '{"TableName":"articles","Key":{"id":{"N":"1"}},"ConsistentRead":true}',
}
local op = os.getenv("ENGINE_OP") or "Query"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. op
-- The engine checks that a signature is present, as DynamoDB does, not that it is valid.
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=local/20261203/us-east-1/dynamodb/aws4_request, "
  .. "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" .. string.rep("0", 64)
wrk.headers["X-Amz-Date"] = "20261203T000000Z"
wrk.body = assert(bodies[op], "ENGINE_OP must be Query or GetItem")
