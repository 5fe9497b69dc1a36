// s3rver in a process of its own, as a real S3 endpoint is: started by startLoopbackS3InProcess's sibling in s3rver.ts.
import S3rver from 's3rver';
import { makeObjectWritesAtomic } from './s3rver-atomic.js';

const [directory, bucket] = process.argv.slice(2);
if (directory === undefined || bucket === undefined || process.send === undefined)
  throw new Error('usage: s3rver-process.ts DIRECTORY BUCKET (forked with an IPC channel)');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
makeObjectWritesAtomic(server, `${directory}.staging`);
const address = await server.run();
process.send({ port: address.port });
process.once('message', () => {
  void server.close().then(() => process.exit(0));
});
