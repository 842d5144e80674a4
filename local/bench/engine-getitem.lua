-- The floor: the embedded engine's own strongly consistent GetItem over its DynamoDB API.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=local/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000"
wrk.headers["X-Amz-Date"] = "20261203T000000Z"
wrk.body = '{"TableName":"articles","Key":{"id":{"N":"1"}},"ConsistentRead":true}'
