import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
var UserError=class extends Error{name="UserError"};function errorMessage(error){return error instanceof Error?error.message:String(error)}var MissingCredentialsError=class extends UserError{name="MissingCredentialsError"};export{UserError,errorMessage,MissingCredentialsError};
