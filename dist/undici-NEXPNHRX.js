import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{require_undici}from"./chunk-XJSMA6RD.js";import"./chunk-IH2QPYBS.js";export default require_undici();
