export { encodedTexts as secretForms, MIN_ENCODED_LENGTH } from '../scan/encodings.ts';
export { type NamedSecret, redactText, StreamRedactor } from './redactor.ts';
