// Mock answers from OpenAPI documents (route option `mock`): the answer engine and its parts.
export { compileMockDocument, type MockDocument } from './mock-responder.ts'
export { negotiateMediaType } from './media-negotiation.ts'
export { parsePrefer, type MockPreferences } from './prefer.ts'
export { sampleSchema, type SampleOptions } from './schema-sample.ts'
export { seededRandom, seedFor } from './seeded-random.ts'
