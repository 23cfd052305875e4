<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>Dashboard</name>
    <message>
      <source>Training</source>
      <translation>训练</translation>
    </message>
    <message>
      <source>Data</source>
      <translation>数据</translation>
    </message>
    <message>
      <source>Runs</source>
      <translation>运行记录</translation>
    </message>
    <message>
      <source>Results</source>
      <translation>结果</translation>
    </message>
    <message>
      <source>Some saved runs could not be read: {}</source>
      <translation>部分已保存的运行记录无法读取：{}</translation>
    </message>
    <message>
      <source>spiral</source>
      <translation>螺旋</translation>
    </message>
    <message>
      <source>moons</source>
      <translation>双月</translation>
    </message>
    <message>
      <source>circles</source>
      <translation>同心圆</translation>
    </message>
    <message>
      <source>xor</source>
      <translation>异或</translation>
    </message>
    <message>
      <source>blobs</source>
      <translation>高斯团</translation>
    </message>
    <message>
      <source>sine</source>
      <translation>正弦序列</translation>
    </message>
    <message>
      <source>shapes</source>
      <translation>图形</translation>
    </message>
    <message>
      <source>digits</source>
      <translation>手写数字</translation>
    </message>
    <message>
      <source>samples</source>
      <translation>样本数</translation>
    </message>
    <message>
      <source>noise</source>
      <translation>噪声</translation>
    </message>
    <message>
      <source>classes</source>
      <translation>类别数</translation>
    </message>
    <message>
      <source>seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <source>factor</source>
      <translation>内外圆比例</translation>
    </message>
    <message>
      <source>timesteps</source>
      <translation>时间步数</translation>
    </message>
    <message>
      <source>size</source>
      <translation>尺寸</translation>
    </message>
    <message>
      <source>(no label)</source>
      <translation>（无标签）</translation>
    </message>
    <message>
      <source>classification</source>
      <translation>分类</translation>
    </message>
    <message>
      <source>regression</source>
      <translation>回归</translation>
    </message>
    <message>
      <source>Label column</source>
      <translation>标签列</translation>
    </message>
    <message>
      <source>Task</source>
      <translation>任务</translation>
    </message>
    <message>
      <source>Feature columns</source>
      <translation>特征列</translation>
    </message>
    <message>
      <source>Load</source>
      <translation>加载</translation>
    </message>
    <message>
      <source>Import CSV / NumPy…</source>
      <translation>导入 CSV / NumPy…</translation>
    </message>
    <message>
      <source>No data set loaded.</source>
      <translation>尚未加载数据集。</translation>
    </message>
    <message>
      <source>Import data</source>
      <translation>导入数据</translation>
    </message>
    <message>
      <source>Data (*.csv *.npy *.npz)</source>
      <translation>数据文件 (*.csv *.npy *.npz)</translation>
    </message>
    <message>
      <source>Data set</source>
      <translation>数据集</translation>
    </message>
    <message>
      <source>Import {}</source>
      <translation>导入 {}</translation>
    </message>
    <message>
      <source>, {} classes</source>
      <translation>，{} 个类别</translation>
    </message>
    <message>
      <source>{}: {} samples, x {}{} ({}).</source>
      <translation>{}：{} 个样本，x {}{}（{}）。</translation>
    </message>
    <message>
      <source>{} rows; first rows:</source>
      <translation>共 {} 行；前几行：</translation>
    </message>
    <message>
      <source>Roll back to the weights from before training?</source>
      <translation>要回滚到训练前的权重吗？</translation>
    </message>
    <message>
      <source>A lower learning rate usually helps.</source>
      <translation>降低学习率通常会有帮助。</translation>
    </message>
    <message>
      <source>Optimizer</source>
      <translation>优化器</translation>
    </message>
    <message>
      <source>Learning rate</source>
      <translation>学习率</translation>
    </message>
    <message>
      <source>Batch size</source>
      <translation>批大小</translation>
    </message>
    <message>
      <source>Epochs</source>
      <translation>轮数</translation>
    </message>
    <message>
      <source>Loss</source>
      <translation>损失</translation>
    </message>
    <message>
      <source>Metrics</source>
      <translation>指标</translation>
    </message>
    <message>
      <source>Device</source>
      <translation>设备</translation>
    </message>
    <message>
      <source>Random seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <source>Validation</source>
      <translation>验证集比例</translation>
    </message>
    <message>
      <source>Train</source>
      <translation>训练</translation>
    </message>
    <message>
      <source>Pause</source>
      <translation>暂停</translation>
    </message>
    <message>
      <source>Resume</source>
      <translation>继续</translation>
    </message>
    <message>
      <source>Stop</source>
      <translation>停止</translation>
    </message>
    <message>
      <source>Reset weights</source>
      <translation>重置权重</translation>
    </message>
    <message>
      <source>Roll back</source>
      <translation>回滚</translation>
    </message>
    <message>
      <source>Export PNG…</source>
      <translation>导出 PNG…</translation>
    </message>
    <message>
      <source>Ready.</source>
      <translation>就绪。</translation>
    </message>
    <message>
      <source>Starting the run… its loss and metrics appear here after the first batch. The first run after installing compiles the numeric kernels first, which can take a minute.</source>
      <translation>正在启动训练…第一个批次之后，损失和指标会显示在这里。安装后的第一次训练需要先编译数值内核，可能需要一分钟。</translation>
    </message>
    <message>
      <source>Starting…</source>
      <translation>正在启动…</translation>
    </message>
    <message>
      <source>Resumed.</source>
      <translation>已继续。</translation>
    </message>
    <message>
      <source>Stopping after this batch…</source>
      <translation>将在本批次后停止…</translation>
    </message>
    <message>
      <source>Weights re-initialised.</source>
      <translation>权重已重新初始化。</translation>
    </message>
    <message>
      <source>Export plots</source>
      <translation>导出图表</translation>
    </message>
    <message>
      <source>PNG image (*.png)</source>
      <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
      <source>epoch {}, batch {}</source>
      <translation>第 {} 轮第 {} 批</translation>
    </message>
    <message>
      <source>{} s</source>
      <translation>{} 秒</translation>
    </message>
    <message>
      <source>No model to train.</source>
      <translation>没有可训练的模型。</translation>
    </message>
    <message>
      <source>Choose a data set in the Data tab first.</source>
      <translation>请先在“数据”标签页中选择数据集。</translation>
    </message>
    <message>
      <source>Continuing from the current weights and optimizer state.</source>
      <translation>从当前权重和优化器状态继续训练。</translation>
    </message>
    <message>
      <source>Rolled back to the weights from before training.</source>
      <translation>已回滚到训练前的权重。</translation>
    </message>
    <message>
      <source>Roll back to the weights after epoch {}?</source>
      <translation>要回滚到第 {} 轮结束时的权重吗？</translation>
    </message>
    <message>
      <source>Not started.</source>
      <translation>未开始。</translation>
    </message>
    <message>
      <source>epoch {}/{} · batch {}/{} · ETA {} · {} samples/s</source>
      <translation>第 {}/{} 轮 · 第 {}/{} 批 · 预计剩余 {} · 每秒 {} 个样本</translation>
    </message>
    <message>
      <source>Done.</source>
      <translation>完成。</translation>
    </message>
    <message>
      <source>Stopped.</source>
      <translation>已停止。</translation>
    </message>
    <message>
      <source>Stopped on a non-finite loss.</source>
      <translation>因损失值非有限数而停止。</translation>
    </message>
    <message>
      <source>Failed.</source>
      <translation>失败。</translation>
    </message>
    <message>
      <source>CUDA is not available: {}</source>
      <translation>CUDA 不可用：{}</translation>
    </message>
    <message>
      <source>CUDA unavailable: {}</source>
      <translation>CUDA 不可用：{}</translation>
    </message>
    <message>
      <source>Rolled back to the weights after epoch {}.</source>
      <translation>已回滚到第 {} 轮结束时的权重。</translation>
    </message>
    <message>
      <source>Paused before epoch {}, batch {}.</source>
      <translation>已在第 {} 轮第 {} 批之前暂停。</translation>
    </message>
    <message>
      <source>Training failed: {}</source>
      <translation>训练失败：{}</translation>
    </message>
    <message>
      <source>Training stopped: the loss became {0} at {1}, coming from {2}.</source>
      <translation>训练已停止：损失在{1}变为 {0}，来源于{2}。</translation>
    </message>
    <message>
      <source>Cannot train: {}</source>
      <translation>无法训练：{}</translation>
    </message>
    <message>
      <source>Finished: {}</source>
      <translation>已完成：{}</translation>
    </message>
    <message>
      <source>Step</source>
      <translation>单步</translation>
    </message>
    <message>
      <source>Continue</source>
      <translation>继续训练</translation>
    </message>
    <message>
      <source>Change training settings</source>
      <translation>更改训练设置</translation>
    </message>
    <message>
      <source>Choose data set</source>
      <translation>选择数据集</translation>
    </message>
    <message>
      <source>Some saved training settings could not be used: {}</source>
      <translation>部分已保存的训练设置无法使用：{}</translation>
    </message>
    <message>
      <source>Show activations on canvas</source>
      <translation>在画布上显示激活值</translation>
    </message>
    <message>
      <source>Show gradient flow</source>
      <translation>显示梯度流</translation>
    </message>
    <message>
      <source>Step one batch</source>
      <translation>单步训练一个批次</translation>
    </message>
    <message>
      <source>Continue training</source>
      <translation>继续训练（退出单步）</translation>
    </message>
    <message>
      <source>Train one batch, then wait</source>
      <translation>训练一个批次，然后等待</translation>
    </message>
    <message>
      <source>Leave step mode and train on</source>
      <translation>退出单步模式并继续训练</translation>
    </message>
    <message>
      <source>total loss</source>
      <translation>总损失</translation>
    </message>
    <message>
      <source>compiled loss</source>
      <translation>编译损失</translation>
    </message>
    <message>
      <source>regularizers</source>
      <translation>正则化项</translation>
    </message>
    <message>
      <source>metric</source>
      <translation>指标</translation>
    </message>
    <message>
      <source>Term</source>
      <translation>项</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>名称</translation>
    </message>
    <message>
      <source>Value</source>
      <translation>数值</translation>
    </message>
    <message>
      <source>Step mode: waiting after this batch.</source>
      <translation>单步模式：本批次结束后等待。</translation>
    </message>
    <message>
      <source>Gradient flow: thin blue {0} … thick orange {1} (log scale)</source>
      <translation>梯度流：细蓝线 {0} … 粗橙线 {1}（对数刻度）</translation>
    </message>
    <message>
      <source>Live canvas stopped: {}</source>
      <translation>画布实时显示已停止：{}</translation>
    </message>
    <message>
      <source>Batch {0} of epoch {1} done.</source>
      <translation>第 {1} 轮的第 {0} 个批次已完成。</translation>
    </message>
    <message>
      <source>Train the model on the chosen data set</source>
      <translation>用所选数据集训练模型</translation>
    </message>
    <message>
      <source>Pause the run after the current batch</source>
      <translation>在当前批次之后暂停训练</translation>
    </message>
    <message>
      <source>Continue the paused run</source>
      <translation>继续已暂停的训练</translation>
    </message>
    <message>
      <source>starting…</source>
      <translation>正在启动…</translation>
    </message>
    <message>
      <source>paused</source>
      <translation>已暂停</translation>
    </message>
    <message>
      <source>epoch {}/{}</source>
      <translation>第 {}/{} 轮</translation>
    </message>
    <message>
      <source>batch {}/{}</source>
      <translation>批次 {}/{}</translation>
    </message>
    <message>
      <source>ETA {}</source>
      <translation>剩余 {}</translation>
    </message>
    <message>
      <source>{} samples/s</source>
      <translation>{} 样本/秒</translation>
    </message>
    <message>
      <source>Training View</source>
      <translation>训练视图</translation>
    </message>
    <message>
      <source>Live plots large, canvas above; again to go back to editing</source>
      <translation>放大实时曲线，画布在上方；再按一次回到编辑</translation>
    </message>
    <message>
      <source>Training finished.</source>
      <translation>训练完成。</translation>
    </message>
    <message>
      <source>Training ended.</source>
      <translation>训练结束。</translation>
    </message>
    <message>
      <source>Back to editing</source>
      <translation>返回编辑</translation>
    </message>
    <message>
      <source>Press “Back to editing” ({}) when you are done reading the results.</source>
      <translation>看完结果后，按“返回编辑”（{}）。</translation>
    </message>
    <message>
      <source>Restore the layout you had before training ({})</source>
      <translation>恢复训练前的布局（{}）</translation>
    </message>
    <message>
      <source>Train the model to see which classes it confuses: after each run, a count of every (true, predicted) pair.</source>
      <translation>训练模型后，这里显示它混淆了哪些类别：每次运行后统计每一对（真实，预测）的数量。</translation>
    </message>
    <message>
      <source>Train the model to see the samples it predicts worst, with their loss.</source>
      <translation>训练模型后，这里显示它预测得最差的样本及其损失。</translation>
    </message>
    <message>
      <source>No decision boundary: choose a data set with 2 input features in the Data tab.</source>
      <translation>无决策边界：请在“数据”标签页中选择有 2 个输入特征的数据集。</translation>
    </message>
    <message>
      <source>No decision boundary: it is drawn for one input with 2 features; {} has {} inputs.</source>
      <translation>无决策边界：只为有 2 个特征的单个输入绘制；{} 有 {} 个输入。</translation>
    </message>
    <message>
      <source>No decision boundary: it is drawn for inputs with 2 features; {} has {} per sample.</source>
      <translation>无决策边界：只为有 2 个特征的输入绘制；{} 每个样本为 {}。</translation>
    </message>
    <message>
      <source>No decision boundary: {} is not labelled 2-D points (it is drawn for classification).</source>
      <translation>无决策边界：{} 不是带标签的二维点（只为分类绘制）。</translation>
    </message>
    <message>
      <source>Select a node to see its output.</source>
      <translation>选择一个节点以查看其输出。</translation>
    </message>
    <message>
      <source>Decision boundary</source>
      <translation>决策边界</translation>
    </message>
    <message>
      <source>Confusion matrix</source>
      <translation>混淆矩阵</translation>
    </message>
    <message>
      <source>Worst predicted</source>
      <translation>预测最差的样本</translation>
    </message>
    <message>
      <source>Node output</source>
      <translation>节点输出</translation>
    </message>
    <message>
      <source>sample</source>
      <translation>样本</translation>
    </message>
    <message>
      <source>true</source>
      <translation>真实</translation>
    </message>
    <message>
      <source>predicted</source>
      <translation>预测</translation>
    </message>
    <message>
      <source>confidence</source>
      <translation>置信度</translation>
    </message>
    <message>
      <source>loss</source>
      <translation>损失</translation>
    </message>
    <message>
      <source>histogram of values</source>
      <translation>数值直方图</translation>
    </message>
    <message>
      <source>{}: output shape {}, mean {}, std {}</source>
      <translation>{}：输出形状 {}，均值 {}，标准差 {}</translation>
    </message>
    <message>
      <source>pred {}</source>
      <translation>预测 {}</translation>
    </message>
    <message>
      <source>true {}</source>
      <translation>真实 {}</translation>
    </message>
    <message>
      <source>Press Train: the loss and metrics are plotted here as the model learns.</source>
      <translation>按“训练”：模型学习时，损失和指标会绘制在这里。</translation>
    </message>
    <message>
      <source>epoch</source>
      <translation>轮次</translation>
    </message>
    <message>
      <source>none yet</source>
      <translation>暂无</translation>
    </message>
    <message>
      <source>{} — {}
data set: {}
graph version: {}
settings: {}
final: {}</source>
      <translation>{} — {}
数据集：{}
图版本：{}
设置：{}
最终结果：{}</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>删除</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>导出 CSV…</translation>
    </message>
    <message>
      <source>Export numbers</source>
      <translation>导出数值</translation>
    </message>
    <message>
      <source>CSV (*.csv)</source>
      <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
      <source>running</source>
      <translation>运行中</translation>
    </message>
    <message>
      <source>finished</source>
      <translation>已完成</translation>
    </message>
    <message>
      <source>stopped</source>
      <translation>已停止</translation>
    </message>
    <message>
      <source>non-finite loss</source>
      <translation>损失非有限数</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>失败</translation>
    </message>
    <message>
      <source>train (per epoch)</source>
      <translation>训练（每轮）</translation>
    </message>
    <message>
      <source>validation (per epoch)</source>
      <translation>验证（每轮）</translation>
    </message>
    <message>
      <source>train (per batch, smoothed)</source>
      <translation>训练（每批，平滑）</translation>
    </message>
    <message>
      <source>Colours are runs (see each plot's legend); line styles are explained here.</source>
      <translation>颜色代表各次运行（见各图的图例）；线型在此说明。</translation>
    </message>
  </context>
</TS>
