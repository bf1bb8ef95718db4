export * as aura from "./aura/index.ts";
export * as balances from "./balances/index.ts";
export * as grandpa from "./grandpa/index.ts";
export * as session from "./session/index.ts";
export * as sudo from "./sudo/index.ts";
export * from "./support/index.ts";
export * as system from "./system/index.ts";
export * as timestamp from "./timestamp/index.ts";
export * as transactionPayment from "./transaction-payment/index.ts";
