/**
 * s3rver (an S3 API on disk) in its own process, so the server's CPU is not the bench's:
 * `node s3rver-child.js <dir> <bucket>` prints {"port": N} once it listens.
 */
// @ts-expect-error s3rver ships no types; only its constructor and run() are used.
import S3rver from 's3rver'

interface Server {
  run(): Promise<{ port: number }>
}

const [directory, bucket] = process.argv.slice(2)
const ServerClass = S3rver as new (options: object) => Server
const server = new ServerClass({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] })
const { port } = await server.run()
console.log(JSON.stringify({ port }))
