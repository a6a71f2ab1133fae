// The OpenAPI layer: per-service documents, the merged 3.1 document, opt-in request validation.
export {
  createOpenApiAggregator,
  openApiSources,
  sendValidationProblem,
  type OpenApiAggregator,
} from './aggregator.ts'
export { DEFAULT_OPENAPI_REFRESH_MS } from './aggregator.ts'
export {
  fetchDocumentBody,
  loadDocument,
  parseDocumentText,
  toOpenApi31,
  type OpenApiDocument,
} from './fetch-document.ts'
export { componentPrefix, gatewayPathPrefix, mergeDocuments, type MergeSource } from './merge-documents.ts'
export { compileValidator, type RequestToValidate, type ValidationFailure } from './request-validator.ts'
