/** A page's texts in another language: every key of the English reference (the type checks it). */
export type Messages<T> = { [K in keyof T]: string };
