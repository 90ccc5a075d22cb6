import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{ZIP64_THRESHOLD,centralDirectory,isCompressedFormat,localHeader,localHeaderLength}from"./chunk-JN6PKXWY.js";import{DEFAULT_LIMITS,listWebFiles,webDirProblem}from"./chunk-YABT6JDA.js";import{UserError}from"./chunk-CZKYLHH7.js";import{createHash as createHash3}from"node:crypto";import{createReadStream}from"node:fs";import{dirname}from"node:path";import{Transform,Writable}from"node:stream";import{pipeline}from"node:stream/promises";import{crc32 as crc322,createDeflateRaw}from"node:zlib";import{createHash}from"node:crypto";import{open,rm}from"node:fs/promises";var MB=1024*1024,WRITE_BATCH_BYTES=MB,READ_BACK_CHUNK_BYTES=MB,ArchiveFile=class _ArchiveFile{constructor(path,handle,md5){this.path=path;this.handle=handle;this.hashes=md5?[createHash("sha256"),createHash("md5")]:[createHash("sha256")]}path;handle;hashes;bytes=0;flushed=0;batch=[];batchBytes=0;reservedAt;reservedLength=0;static async create(path,md5){return new _ArchiveFile(path,await open(path,"w+"),md5)}async append(chunk){this.reservedAt===void 0&&this.hash(chunk),this.bytes+=chunk.length,this.batch.push(chunk),this.batchBytes+=chunk.length,this.batchBytes>=WRITE_BATCH_BYTES&&await this.flush()}async reserveHeader(length){if(this.reservedAt!==void 0)throw new Error("A reserved zip header is already pending.");let offset=this.bytes;return this.reservedAt=offset,this.reservedLength=length,await this.append(Buffer.alloc(length)),offset}async writeReservedHeader(header){let offset=this.reservedAt;if(offset===void 0||header.length!==this.reservedLength)throw new Error("The zip header does not fit the room reserved for it.");await this.flush(),await this.writeAt(header,offset);let buffer=Buffer.allocUnsafe(READ_BACK_CHUNK_BYTES);for(let position=offset;position<this.bytes;){let{bytesRead}=await this.handle.read(buffer,0,Math.min(buffer.length,this.bytes-position),position);if(bytesRead===0)throw new Error(`${this.path} is shorter than what was written to it.`);this.hash(buffer.subarray(0,bytesRead)),position+=bytesRead}this.reservedAt=void 0}async close(){if(this.reservedAt!==void 0)throw new Error("A reserved zip header was never written.");await this.flush(),await this.handle.close();let[sha256,md5]=this.hashes.map(hash=>hash.digest("hex"));return{sha256,md5}}async discard(){await this.handle.close().catch(()=>{}),await rm(this.path,{force:!0})}hash(bytes){for(let hash of this.hashes)hash.update(bytes)}async flush(){if(this.batch.length===0)return;let chunks=this.batch;this.batch=[],this.batchBytes=0;let{bytesWritten}=await this.handle.writev(chunks,this.flushed),total=chunks.reduce((sum,chunk)=>sum+chunk.length,0);bytesWritten<total&&await this.writeAt(Buffer.concat(chunks).subarray(bytesWritten),this.flushed+bytesWritten),this.flushed+=total}async writeAt(data,position){for(let done=0;done<data.length;){let{bytesWritten}=await this.handle.write(data,done,data.length-done,position+done);done+=bytesWritten}}};import{createHash as createHash2}from"node:crypto";import{readFileSync}from"node:fs";import{availableParallelism}from"node:os";import{setFlagsFromString}from"node:v8";import{runInNewContext}from"node:vm";import{Worker}from"node:worker_threads";import{crc32,deflateRawSync}from"node:zlib";var GARBAGE_BYTES=16*1024*1024,deflateBound=size=>size+(size>>8)+1024,WORKER_SOURCE=`
const deflateBound = ${deflateBound.toString()}
const { parentPort } = require('node:worker_threads')
const { openSync, readSync, closeSync, fstatSync } = require('node:fs')
const { createHash } = require('node:crypto')
const zlib = require('node:zlib')
const collect = require('node:vm').runInNewContext('gc')
let allocated = 0
// Reused for files that are deflated: a worker makes no garbage of its own, so its memory stays flat.
let scratch = Buffer.allocUnsafeSlow(64 * 1024)
function readWhole(path, compress) {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    if (compress && scratch.length < size) scratch = Buffer.allocUnsafeSlow(size)
    const into = compress ? scratch.subarray(0, size) : Buffer.allocUnsafeSlow(size)
    let done = 0
    while (done < size) {
      const read = readSync(fd, into, done, size - done, done)
      if (read === 0) break
      done += read
    }
    return into.subarray(0, done)
  } finally {
    closeSync(fd)
  }
}
function readAt(fd, into, position) {
  let done = 0
  while (done < into.length) {
    const read = readSync(fd, into, done, into.length - done, position + done)
    if (read === 0) return false
    done += read
  }
  return true
}
// The deflated bytes of a local entry (its header's signature checked; the data follows the name and extra field), or nothing.
function readReused({ archive, compressedSize, headerOffset }) {
  const fd = openSync(archive, 'r')
  try {
    const header = Buffer.alloc(30)
    if (!readAt(fd, header, headerOffset) || header.readUInt32LE(0) !== 0x04034b50) return undefined
    const data = Buffer.allocUnsafeSlow(compressedSize)
    return readAt(fd, data, headerOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28)) ? data : undefined
  } finally {
    closeSync(fd)
  }
}
parentPort.on('message', ({ id, path, compress, level, reuse }) => {
  try {
    const raw = readWhole(path, compress)
    const sha256 = createHash('sha256').update(raw).digest('hex')
    const crc32 = zlib.crc32(raw)
    let data = raw
    let deflated = false
    const reused = compress && reuse && reuse.sha256 === sha256 && reuse.crc32 === crc32 ? readReused(reuse) : undefined
    if (reused) {
      data = reused
      deflated = true
    } else if (compress) {
      const out = zlib.deflateRawSync(raw, { level, chunkSize: Math.max(64 * 1024, deflateBound(raw.length)) })
      // Stored when deflate does not shrink it, as zip does; the scratch buffer is never sent.
      if (out.length < raw.length) { data = out; deflated = true } else data = Buffer.from(raw)
    }
    // The bytes' own memory moves to the main thread, not a copy.
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length)
    allocated += data.buffer.byteLength
    if (allocated >= ${GARBAGE_BYTES}) { allocated = 0; collect() }
    parentPort.postMessage({ id, sha256, crc32, size: raw.length, deflated, reused: Boolean(reused), data: bytes }, [data.buffer])
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code, path: error && error.path, syscall: error && error.syscall } })
  }
})
`;function asError(reply){return Object.assign(new Error(reply.message),reply.code?{code:reply.code,path:reply.path,syscall:reply.syscall}:{})}var collector;function exposeCollector(){return collector||(setFlagsFromString("--expose-gc"),collector=runInNewContext("gc")),collector}var GarbageMeter=class{bytes=0;collect=exposeCollector();add(bytes){this.bytes+=bytes,!(this.bytes<GARBAGE_BYTES)&&(this.bytes=0,this.collect())}},InlinePreparer=class{async prepare(path,compress,level){let raw=readFileSync(path),prepared={sha256:createHash2("sha256").update(raw).digest("hex"),crc32:crc32(raw),size:raw.length},out=compress?deflateRawSync(raw,{level,chunkSize:deflateBound(raw.length)}):raw;return out.length<raw.length?{...prepared,deflated:!0,reused:!1,data:out}:{...prepared,deflated:!1,reused:!1,data:raw}}async close(){}},workerCount=()=>Math.max(1,Math.min(4,availableParallelism())),PackWorkers=class{workers;waiting=new Map;nextId=0;failure;constructor(count=workerCount()){exposeCollector(),this.workers=Array.from({length:count},()=>{let slot={worker:new Worker(WORKER_SOURCE,{eval:!0,resourceLimits:{maxYoungGenerationSizeMb:1}}),busy:0};return slot.worker.on("message",reply=>{slot.busy--,this.settle(reply)}),slot.worker.on("error",error=>this.fail(error)),slot})}prepare(path,compress,level,reuse){if(this.failure)return Promise.reject(this.failure);let id=this.nextId++,slot=this.workers.reduce((least,candidate)=>candidate.busy<least.busy?candidate:least);return slot.busy++,new Promise((resolve,reject)=>{this.waiting.set(id,{resolve,reject}),slot.worker.postMessage({id,path,compress,level,reuse})})}async close(){await Promise.all(this.workers.map(({worker})=>worker.terminate()))}settle(reply){let waiter=this.waiting.get(reply.id);if(!waiter)return;if(this.waiting.delete(reply.id),reply.error)return waiter.reject(asError(reply.error));let data=Buffer.from(reply.data.buffer,reply.data.byteOffset,reply.data.byteLength);waiter.resolve({sha256:reply.sha256,crc32:reply.crc32,size:reply.size,deflated:reply.deflated,reused:reply.reused,data})}fail(error){this.failure=error;for(let waiter of this.waiting.values())waiter.reject(error);this.waiting.clear()}};var MB2=1024*1024,DEFLATE_LEVEL=6,BUFFERED_MAX_BYTES=4*MB2,READ_AHEAD_BYTES=4*MB2,READ_AHEAD_FILES=32,STREAM_CHUNK_BYTES=MB2,INLINE_MAX_BYTES=4*MB2,shouldCompress=file=>file.size>0&&!isCompressedFormat(file.path),readAheadCost=file=>file.size>BUFFERED_MAX_BYTES?0:file.size;async function reusedEntry(reuse,file){let entry=reuse?.entries.get(file.path);if(!reuse||!entry||entry.size!==file.size||!await reuse.reached(entry.readUpTo))return;let{sha256,crc32:crc323,compressedSize,headerOffset}=entry;return{archive:reuse.archivePath,sha256,crc32:crc323,compressedSize,headerOffset}}async function prepare(workers,file,reuse){if(file.size>BUFFERED_MAX_BYTES)return{kind:"streamed"};let prepared=await workers.prepare(file.absolutePath,shouldCompress(file),DEFLATE_LEVEL,await reusedEntry(reuse,file)),{sha256,crc32:crc323,size,data,reused}=prepared;return{kind:"buffered",sha256,crc32:crc323,size,data,reused,method:prepared.deflated?8:0}}async function writeStreamed(archive,file,name){let method=shouldCompress(file)?8:0,record={name,method,crc32:0,compressedSize:0,size:0,offset:archive.bytes};await archive.reserveHeader(localHeaderLength(name));let hash=createHash3("sha256"),tap=new Transform({transform(chunk,_encoding,done){hash.update(chunk),record.crc32=crc322(chunk,record.crc32),record.size+=chunk.length,done(null,chunk)}}),sink=new Writable({write(chunk,_encoding,done){record.compressedSize+=chunk.length,archive.append(chunk).then(()=>done(),done)}}),source=createReadStream(file.absolutePath,{highWaterMark:STREAM_CHUNK_BYTES});return method===8?await pipeline(source,tap,createDeflateRaw({level:DEFLATE_LEVEL}),sink):await pipeline(source,tap,sink),await archive.writeReservedHeader(localHeader(record)),{record,sha256:hash.digest("hex")}}var ReadAhead=class{constructor(files,workers,reuse){this.files=files;this.workers=workers;this.reuse=reuse}files;workers;reuse;next=0;aheadBytes=0;pending=[];fill(){for(;this.next<this.files.length;){let cost=readAheadCost(this.files[this.next]);if((this.pending.length>=READ_AHEAD_FILES||this.aheadBytes+cost>READ_AHEAD_BYTES)&&this.pending.length>0)return;let work=prepare(this.workers,this.files[this.next++],this.reuse);work.catch(()=>{}),this.pending.push(work),this.aheadBytes+=cost}}async take(file){this.fill();let entry=await this.pending.shift();return this.aheadBytes-=readAheadCost(file),this.fill(),entry}};function packProblem(error,archivePath,file){let{code,path}=error;return code==="ENOSPC"||code==="EDQUOT"?new UserError(`The disk holding ${dirname(archivePath)} is full: the bundle could not be written there; free space on that disk before this step.`):file&&path===file.absolutePath?webDirProblem(error,file.path,"file"):error}function onMainThread(files,choice){return choice?choice==="main thread":files.reduce((sum,file)=>sum+readAheadCost(file),0)<=INLINE_MAX_BYTES}async function packWebDir(webDir,archivePath,options={}){let webFiles=await listWebFiles(webDir,options.limits??DEFAULT_LIMITS),inline=onMainThread(webFiles,options.preparer),reuse=inline?void 0:await options.reuse?.(),packed=await packFiles(webFiles,archivePath,inline,reuse,options);return reuse?await reuse.verified?packed:{...await packFiles(webFiles,archivePath,inline,void 0,options),reuse:{kind:"discarded"}}:packed}async function packFiles(webFiles,archivePath,inline,reuse,options){let archive=await ArchiveFile.create(archivePath,options.md5??!1),workers=inline?new InlinePreparer:new PackWorkers,readAhead=new ReadAhead(webFiles,workers,reuse),garbage=inline?void 0:new GarbageMeter,records=[],files=[],reusedEntries=0,current;try{for(let file of webFiles){options.signal?.throwIfAborted(),current=file;let name=Buffer.from(file.path,"utf8"),entry=await readAhead.take(file);if(entry.kind==="streamed"){let{record:record2,sha256}=await writeStreamed(archive,file,name);records.push(record2),files.push({path:file.path,size:record2.size,sha256});continue}let record={name,method:entry.method,crc32:entry.crc32,compressedSize:entry.data.length,size:entry.size,offset:archive.bytes};await archive.append(localHeader(record)),await archive.append(entry.data),garbage?.add(entry.data.buffer.byteLength),records.push(record),files.push({path:file.path,size:entry.size,sha256:entry.sha256}),entry.reused&&reusedEntries++}current=void 0,await archive.append(centralDirectory(records,archive.bytes,options.zip64Threshold??ZIP64_THRESHOLD));let size=archive.bytes,digests=await archive.close();return{archivePath,checksum:digests.sha256,...digests.md5?{md5:digests.md5}:{},size,files,...reuse?{reuse:{kind:"taken",entries:reusedEntries}}:{}}}catch(error){throw await archive.discard(),packProblem(error,archivePath,current)}finally{await workers.close()}}export{packWebDir};
