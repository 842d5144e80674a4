-- The floor: the embedded engine's own Query over its DynamoDB API, the one a list makes.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.Query"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=local/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000"
wrk.headers["X-Amz-Date"] = "20261203T000000Z"
wrk.body = '{"TableName":"articles","IndexName":"live-by-id","KeyConditionExpression":"#live = :live AND #id > :after","ExpressionAttributeNames":{"#live":"live","#id":"id"},"ExpressionAttributeValues":{":live":{"N":"1"},":after":{"N":"0"}},"Limit":101}'
