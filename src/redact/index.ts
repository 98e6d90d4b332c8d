export { MIN_ENCODED_LENGTH, secretForms } from './forms.ts';
export { type NamedSecret, StreamRedactor, redactText } from './redactor.ts';
