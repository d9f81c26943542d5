import { describeExample } from './examples-kit.ts';

describeExample('07-subhandlers');
