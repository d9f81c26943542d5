import { describeExample } from './examples-kit.ts';

describeExample('03-exceptions');
