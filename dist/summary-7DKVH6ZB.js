import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{buildReportBody,buildSummary}from"./chunk-BBN7JAN4.js";import"./chunk-P4R7BOFC.js";import"./chunk-TOLQATLL.js";import"./chunk-H7FMA4VW.js";import"./chunk-PR22R2BX.js";import"./chunk-CZKYLHH7.js";import"./chunk-IH2QPYBS.js";export{buildReportBody,buildSummary};
