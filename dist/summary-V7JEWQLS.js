import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{buildReportBody,buildSummary}from"./chunk-3EXIF5PV.js";import"./chunk-QIEUT5WP.js";import"./chunk-TOLQATLL.js";import"./chunk-XUXE34IG.js";import"./chunk-PR22R2BX.js";import"./chunk-CZKYLHH7.js";import"./chunk-IH2QPYBS.js";export{buildReportBody,buildSummary};
