export type { BlobStoreFactory, BlobStoreFixture } from './contract.js';

export { generatedBlob, hashStream, readAll, sha256Hex, testBlobStore } from './contract.js';
